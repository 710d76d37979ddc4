import ArgumentParser
import Foundation
import Inspection
import Store

/// `inspectctl model rollback`: back to the version the station ran before its current one,
/// the quick way out when a new version misbehaves on the line.
struct ModelRollbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback", abstract: "Reactivate the version a station ran before its current one.")

    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp("Station to roll back (needed when more than one is known).", valueName: "name"))
    var station: String?

    func validate() throws {
        if let station, station.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--station: must not be empty")
        }
    }

    func run() throws {
        try reportingFailures {
            let db = try store.openForWriting()
            let target = try KnownStations.resolve(station, store: db, configPath: store.config)
            let previous: ModelVersionRecord
            do {
                previous = try db.previousVersion(station: target)
            } catch InspectionError.notFound {
                throw CLIFailure(CommandError("station \(target) has no earlier active version; nothing to roll back to"))
            }
            let current = try VersionActivation.active(station: target, store: db)
            let reason = current.map { "rollback from version \($0.id)" } ?? "rollback (no version was active)"
            try VersionActivation.activate(previous, reason: reason, store: db)
        }
    }
}
