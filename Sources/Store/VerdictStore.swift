import Inspection
import Foundation
import GRDB

/// The durable queue and verdict log: every discovered image gets exactly one row, and that row
/// reaches exactly one final state (done or error), across crashes and kill -9.
///
/// One writer process (the daemon) opens it with ``openForWriting(path:busyTimeout:)``; any number of
/// readers (`inspectctl`) use ``openReadOnly(path:busyTimeout:)`` at the same time. The file is in WAL mode,
/// so readers see the last committed state and never block the writer.
///
/// Durability: `synchronous=NORMAL`. In WAL mode a commit is in the log (and the OS page cache)
/// before the call returns, so a killed or crashed daemon loses nothing it committed; only a
/// power cut or kernel crash can roll back the last few commits, and never corrupts the file.
/// A rolled-back claim or verdict just means the image is inspected again, which the queue
/// already tolerates (it is how crash recovery works), so FULL's extra fsync per image buys
/// nothing here.
///
/// Every database failure surfaces as a ``StoreError`` carrying the database path; argument
/// checks and unknown ids stay ``InspectionError``s.
public final class VerdictStore: @unchecked Sendable {
    /// The database file.
    public let path: String
    /// True for stores from ``openReadOnly(path:busyTimeout:)``: the connection itself refuses writes.
    public let isReadOnly: Bool
    /// A DatabasePool for the writer, a read-only DatabaseQueue for readers.
    let database: any DatabaseWriter

    /// `error_kind` of rows abandoned by ``claimNext(at:maxAttempts:)``.
    public static let gaveUpErrorKind = "gave_up"

    private init(path: String, database: any DatabaseWriter, isReadOnly: Bool) {
        self.path = path
        self.database = database
        self.isReadOnly = isReadOnly
    }

    /// Opens (creating the file, but not its directory, if needed) for the daemon: WAL,
    /// foreign keys on, migrations applied. Refuses a file written by a newer schema rather
    /// than writing rows it does not understand. `busyTimeout` (seconds) bounds the wait for a
    /// lock held by another connection before ``StoreError/locked(path:reason:)``.
    public static func openForWriting(path: String, busyTimeout: Double = 5) throws -> VerdictStore {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StoreError.notFound(path: path, reason: "directory \(directory) does not exist")
        }
        var configuration = Configuration()
        configuration.label = "inspectd.verdicts"
        configuration.foreignKeysEnabled = true
        // Only this process writes; the timeout covers checkpoints and a second daemon started by mistake.
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            let migrator = schemaMigrator
            let unknown = try pool.read { db in try Set(migrator.appliedIdentifiers(db)).subtracting(migrator.migrations) }
            if !unknown.isEmpty {
                throw StoreError.schemaTooNew(path: path, unknownMigrations: unknown.sorted())
            }
            try migrator.migrate(pool)
            return VerdictStore(path: path, database: pool, isReadOnly: false)
        } catch {
            throw mapError(error, path: path)
        }
    }

    /// Opens an existing log for reading only; never creates the file, and the SQLite connection
    /// is opened read-only so a reader cannot change anything even by mistake. Readers of a WAL
    /// file are not blocked by the writer; `busyTimeout` only matters while the last
    /// connection closes or after a crash, when SQLite briefly locks the file for recovery.
    public static func openReadOnly(path: String, busyTimeout: Double = 2) throws -> VerdictStore {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError.missing(path)
        }
        var configuration = Configuration()
        configuration.label = "inspectctl.verdicts"
        configuration.readonly = true
        configuration.busyMode = .timeout(busyTimeout)
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            let complete = try queue.read { db in try schemaMigrator.hasCompletedMigrations(db) }
            guard complete else {
                throw StoreError.other(
                    path: path, reason: "not an inspectd verdict log, or its schema is out of date (start inspectd once to migrate it)")
            }
            return VerdictStore(path: path, database: queue, isReadOnly: true)
        } catch {
            throw mapError(error, path: path)
        }
    }

    /// Runs `body` in a read transaction (one consistent snapshot), mapping errors.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try database.read(body)
        } catch {
            throw Self.mapError(error, path: path)
        }
    }

    /// Runs `body` in a write transaction: all of it commits or none of it does.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try database.write(body)
        } catch {
            throw Self.mapError(error, path: path)
        }
    }

    /// Typed errors (``StoreError``, `InspectionError`) pass through; SQLite's become
    /// ``StoreError`` through ``StoreError/from(_:path:)``; a row GRDB cannot decode is corrupt.
    static func mapError(_ error: any Error, path: String) -> any Error {
        switch error {
        case let error as StoreError:
            return error
        case let error as InspectionError:
            return error
        case let error as DatabaseError:
            return StoreError.from(error, path: path)
        case let error as DecodingError:
            return StoreError.corrupt(path: path, reason: "unreadable row: \(error)")
        default:
            return StoreError.other(path: path, reason: String(describing: error))
        }
    }
}
