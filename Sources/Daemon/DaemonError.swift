import Inspection
import Store

/// Every failure of the daemon process: configuration, watching, system calls, the store.
public enum DaemonError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A folder could not be watched (missing, not a directory, inotify limit reached…).
    case watch(path: String, reason: String)
    /// Another inspectd holds the database.
    case alreadyRunning(database: String, pid: Int32?)
    /// The database file was deleted or replaced while the daemon ran.
    case databaseGone(path: String, reason: String)
    /// A system call failed.
    case system(call: String, errno: Int32, detail: String)
    /// The inspection layer (model, store) failed.
    case inspection(InspectionError)
    /// A model version that cannot be used by this daemon.
    case version(id: Int64, problem: String)
    /// The retraining process could not be started or failed.
    case training(job: Int64, problem: String)
    /// A background few-shot fit was stopped (reload, stop, or a newer fit for the station).
    case fitCancelled(station: String)

    public var description: String {
        switch self {
        case let .watch(path, reason): return "\(path): cannot watch: \(reason)"
        case let .alreadyRunning(database, pid):
            return "\(database): another inspectd\(pid.map { " (pid \($0))" } ?? "") is already using this database; stop it first"
        case let .databaseGone(path, reason):
            return "\(path): the database is no longer the file inspectd opened: \(reason); stopping so that a restart opens the real file"
        case let .system(call, errno, detail): return "\(call) failed (errno \(errno)): \(detail)"
        case let .inspection(error): return error.description
        case let .version(id, problem): return "model version \(id): \(problem)"
        case let .training(job, problem): return "training job \(job): \(problem)"
        case let .fitCancelled(station): return "few-shot fit of station \(station) cancelled"
        }
    }
}
