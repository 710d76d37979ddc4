import Inspection
import Foundation
import GRDB

extension VerdictStore {
    /// Opens an existing verdict log for writing from a tool other than the daemon (labelling
    /// from `inspectctl`). Unlike ``openForWriting(path:busyTimeout:)`` it never creates the
    /// file — a mistyped `--db` must not leave an empty log behind — and it refuses SQLite
    /// files that are not verdict logs before migrating anything into them. Pending
    /// migrations are applied, so labelling also upgrades a log the daemon has not yet
    /// reopened; WAL and the busy timeout let this run next to the running daemon.
    public static func openExistingForWriting(path: String, busyTimeout: Double = 5) throws -> VerdictStore {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError.missing(path)
        }
        do {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(busyTimeout)
            let probe = try DatabaseQueue(path: path, configuration: configuration)
            let applied = try probe.read { db in try schemaMigrator.appliedIdentifiers(db) }
            try probe.close()
            guard applied.contains(firstMigration) else {
                throw StoreError.other(path: path, reason: "not an inspectd verdict log")
            }
        } catch {
            throw mapError(error, path: path)
        }
        return try openForWriting(path: path, busyTimeout: busyTimeout)
    }

    /// The migration every verdict log has, whatever its age.
    private static let firstMigration = "v1-inspections"
}
