import ArgumentParser
import Foundation
import Inspection
import Store

/// `inspectctl model list`: versions newest first with how each did on held-out labels
/// against the version active at the time, so QA can see why one was promoted or rejected.
struct ModelListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List model versions, newest first.")

    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("Only this station's versions.", valueName: "name"))
    var station: String?

    @Option(help: "At most this many versions.")
    var limit: Int = 100

    @Option(name: [.customLong("format"), .customShort("o")], help: "table or json (an array).")
    var format: ListFormat = .table

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit: must be at least 1 (got \(limit))") }
    }

    func run() throws {
        try reportingFailures {
            let versions = try store.open().versions(station: station, limit: limit)
            switch format {
            case .json:
                print(VersionPrinter.jsonArray(versions.map { VersionPrinter.dictionary($0, full: false) }))
            case .table:
                print(VersionPrinter.listHeader())
                versions.forEach { print(VersionPrinter.listRow($0)) }
                print("\(versions.count) version(s)")
            }
        }
    }
}
