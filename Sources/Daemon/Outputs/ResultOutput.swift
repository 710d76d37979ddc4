import Config
import Inspection
import Store

/// One configured `[[station.output]]` at run time. `deliver` is called from the dispatcher
/// thread and must never block: each output does its slow work (disk, clients, commands) on
/// threads of its own.
protocol ResultOutput: AnyObject, Sendable {
    var station: String { get }
    var configuration: OutputConfiguration { get }
    /// Hands over one committed verdict; returns at once.
    func deliver(_ verdict: OutputVerdict)
    /// Counters and, for files, the export cursor, as of now.
    func status() -> OutputStatus
    /// Stops the output's threads; children and clients are let go.
    func stop()
}

/// One committed verdict as the outputs send it: the JSON document, rendered once.
struct OutputVerdict: Sendable, Equatable {
    let id: Int64
    let station: String
    let verdict: Verdict
    /// The image's path in the station folder.
    let path: String
    /// `VerdictDocument.output` as one line of JSON, without the newline.
    let json: String

    init(id: Int64, station: String, verdict: Verdict, path: String, json: String) {
        self.id = id
        self.station = station
        self.verdict = verdict
        self.path = path
        self.json = json
    }

    /// The document for a done row; nil for rows without a verdict (errors, unfinished).
    init?(_ record: InspectionRecord, database: String) {
        guard record.state == .done, let verdict = record.verdict else { return nil }
        self.init(id: record.id, station: record.station, verdict: verdict, path: record.path,
                  json: VerdictDocument.json(VerdictDocument.output(record, database: database)))
    }
}
