import Inspection
import GRDB

/// Why the verdict log could not do what was asked, typed so callers can react (retry when
/// locked, tell the operator to free disk space, refuse a file from a newer inspectd) instead
/// of parsing strings. Every case names the database file; the texts are what operators read.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Another connection held the lock past the busy timeout (SQLITE_BUSY / SQLITE_LOCKED).
    case locked(path: String, reason: String)
    /// The disk or the file's size limit is full (SQLITE_FULL).
    case full(path: String, reason: String)
    /// The OS failed to open, read or write the file (SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_PERM).
    case ioError(path: String, reason: String)
    /// Not a database, a damaged one, or rows the schema should have prevented.
    case corrupt(path: String, reason: String)
    /// Migrated by a newer inspectd: it applied migrations this one does not know.
    case schemaTooNew(path: String, unknownMigrations: [String])
    /// The database file (or its directory) does not exist; readers never create it.
    case notFound(path: String, reason: String)
    /// A write broke a NOT NULL, CHECK, UNIQUE or foreign-key rule of the schema, or a
    /// state transition the store enforces.
    case constraint(path: String, reason: String)
    /// Anything else: writing through a read-only store (SQLITE_READONLY too), a file that is
    /// not a verdict log, an unexpected SQLite code.
    case other(path: String, reason: String)
    /// A file of the evidence folder beside the database (not the database itself) could not
    /// be kept or does not hold the content it should; `path` names that file.
    case evidence(path: String, reason: String)

    /// The database file the error is about.
    public var path: String {
        switch self {
        case let .locked(path, _), let .full(path, _), let .ioError(path, _), let .corrupt(path, _),
             let .schemaTooNew(path, _), let .notFound(path, _), let .constraint(path, _), let .other(path, _),
             let .evidence(path, _):
            return path
        }
    }

    /// One readable sentence saying what went wrong, without the path.
    public var reason: String {
        switch self {
        case let .locked(_, reason), let .full(_, reason), let .ioError(_, reason), let .corrupt(_, reason),
             let .notFound(_, reason), let .constraint(_, reason), let .other(_, reason), let .evidence(_, reason):
            return reason
        case let .schemaTooNew(_, unknown):
            return "written by a newer inspectd (unknown schema migrations: \(unknown.joined(separator: ", "))); upgrade inspectd"
        }
    }

    /// Stable snake_case name for logs and JSON, like `InspectionError.kind`.
    public var kind: String {
        switch self {
        case .locked: return "database_locked"
        case .full: return "database_full"
        case .ioError: return "database_io"
        case .corrupt: return "database_corrupt"
        case .schemaTooNew: return "database_too_new"
        case .notFound: return "database_missing"
        case .constraint: return "database_constraint"
        case .other: return "database"
        case .evidence: return "evidence"
        }
    }

    /// The texts `inspectctl` has always printed for a missing or locked file; the rest say
    /// "database error" and why.
    public var description: String {
        switch self {
        case let .notFound(path, reason): return "\(path): database not found (\(reason))"
        case .locked: return "\(path): database is locked by another process; try again"
        case let .evidence(path, reason): return "\(path): evidence: \(reason)"
        default: return "\(path): database error: \(reason)"
        }
    }

    /// The database file itself is absent: the usual mistakes are a daemon that never ran or
    /// a wrong `--db` / `database =`.
    public static func missing(_ path: String) -> StoreError {
        .notFound(path: path, reason: "is inspectd running, and is --db / database = right?")
    }

    /// The one place SQLite result codes become cases. Errors that are already typed
    /// (``StoreError``, `InspectionError`) pass through unchanged, which the caller handles.
    static func from(_ error: DatabaseError, path: String) -> StoreError {
        let reason = "\(error.message ?? "SQLite error") (SQLite code \(error.extendedResultCode.rawValue))"
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED: return .locked(path: path, reason: reason)
        case .SQLITE_FULL: return .full(path: path, reason: reason)
        case .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_NOLFS:
            return .ioError(path: path, reason: reason)
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: return .corrupt(path: path, reason: reason)
        case .SQLITE_CONSTRAINT: return .constraint(path: path, reason: reason)
        default: return .other(path: path, reason: reason)
        }
    }
}
