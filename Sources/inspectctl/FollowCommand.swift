import ArgumentParser
import Config
import Foundation
import Inspection
import Store
#if canImport(Glibc)
import Glibc
#endif

/// `inspectctl follow`: verdicts as they happen, from the daemon's socket outputs (like
/// `journalctl -f`). The sockets come from `--socket`, else from the configuration's
/// `[[station.output]] kind = "socket"` tables. A socket that is not there yet, or goes away
/// (daemon restart), is retried every second.
struct FollowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "follow",
        abstract: "Print verdicts as the daemon makes them (from its socket outputs).")

    @Option(help: "inspectd configuration file, used to find the sockets.")
    var config: String = InspectdConfiguration.defaultPath

    @Option(name: .customLong("socket"), help: "Socket to read (repeatable; default: every socket output in --config).")
    var sockets: [String] = []

    @Option(name: .customLong("station"), help: "Only this station (repeatable).")
    var stations: [String] = []

    @Option(name: .customLong("verdict"), help: "Only this verdict: pass, review or fail (repeatable).")
    var verdicts: [String] = []

    @Option(name: [.customShort("n"), .customLong("count")], help: "Exit after this many verdicts.")
    var count: Int?

    @Option(name: .shortAndLong, help: "table (one line per verdict) or json (the output documents, NDJSON).")
    var output: ListFormat = .table

    func validate() throws {
        for v in verdicts where Verdict(rawValue: v) == nil {
            throw ValidationError("--verdict: expected pass, review or fail (got \(v))")
        }
        if let count, count < 1 { throw ValidationError("--count: must be at least 1 (got \(count))") }
    }

    func run() throws {
        let paths = try socketPaths()
        var reader = FollowReader(paths: paths)
        var printed = 0
        while true {
            for line in reader.nextLines() {
                guard let doc = FollowLine(line), matches(doc) else { continue }
                // Unbuffered: a pipe reader (a script, `grep`) sees each verdict as it happens.
                FileHandle.standardOutput.write(Data(((output == .json ? line : doc.tableRow) + "\n").utf8))
                printed += 1
                if let count, printed >= count { return }
            }
        }
    }

    private func matches(_ doc: FollowLine) -> Bool {
        (stations.isEmpty || stations.contains(doc.station)) && (verdicts.isEmpty || verdicts.contains(doc.verdict))
    }

    /// `--socket`, else the socket outputs of the configuration (of `--station` when given).
    func socketPaths() throws -> [String] {
        if !sockets.isEmpty { return sockets }
        let parsed: InspectdConfiguration
        do {
            parsed = try InspectdConfiguration.load(path: config)
        } catch {
            throw CLIFailure(CommandError("\(error) (or name the socket with --socket)")).report()
        }
        let paths = parsed.stations.filter { stations.isEmpty || stations.contains($0.name) }.flatMap { station in
            station.outputs.compactMap { output -> String? in
                if case let .socket(s) = output.kind { return s.path }
                return nil
            }
        }
        guard !paths.isEmpty else {
            throw CLIFailure(CommandError("\(config) has no [[station.output]] with kind = \"socket\""
                + (stations.isEmpty ? "" : " for \(stations.joined(separator: ", "))")
                + "; add one (docs/operating.md, \"Sending verdicts to the line\") or pass --socket")).report()
        }
        return Array(Set(paths)).sorted()
    }
}

/// The fields `follow` shows and filters on, from one output document.
struct FollowLine {
    let station: String
    let verdict: String
    let object: [String: Any]

    init?(_ line: String) {
        guard let data = line.data(using: .utf8),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let station = obj["station"] as? String, let verdict = obj["verdict"] as? String else { return nil }
        self.station = station
        self.verdict = verdict
        object = obj
    }

    /// `TIME  STATION  VERDICT  SCORE  DEFECT  NAME  #ID`, local time like the other verbs.
    var tableRow: String {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let time = (object["finished_at"] as? String).flatMap { iso.date(from: $0) }
            .map { TimeExpression.format($0.timeIntervalSince1970) } ?? "-"
        let score = (object["score"] as? Double).map { String(format: "%.4f", $0) } ?? "-"
        var defect = "-"
        if let c = object["defect_class"] as? String {
            defect = c + ((object["defect_probability"] as? Double).map { String(format: " (%.2f)", $0) } ?? "")
        }
        let name = object["name"] as? String ?? (object["path"] as? String ?? "")
        let id = (object["id"] as? NSNumber).map { "#\($0)" } ?? ""
        return RecordFormatter.pad(time, 20) + RecordFormatter.pad(station, 14) + RecordFormatter.pad(verdict, 8)
            + RecordFormatter.pad(score, 8) + RecordFormatter.pad(defect, 16) + name + "  " + id
    }
}
