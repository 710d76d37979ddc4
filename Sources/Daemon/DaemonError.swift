import Inspection

/// Every failure of the daemon process: configuration, watching, system calls. Config errors
/// name the file, the key (e.g. `station[2].folder`) and the offending value.
public enum DaemonError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The configuration file could not be read.
    case configUnreadable(file: String, reason: String)
    /// The configuration file is not valid TOML.
    case configSyntax(file: String, line: Int, column: Int, message: String)
    /// A key has a bad value, is missing, or is unknown.
    case config(file: String, key: String, value: String, problem: String)
    /// A folder could not be watched (missing, not a directory, inotify limit reached…).
    case watch(path: String, reason: String)
    /// A system call failed.
    case system(call: String, errno: Int32, detail: String)
    /// The inspection layer (model, store) failed.
    case inspection(InspectionError)
    /// A model version that cannot be used by this daemon.
    case version(id: Int64, problem: String)
    /// The retraining process could not be started or failed.
    case training(job: Int64, problem: String)

    public var description: String {
        switch self {
        case let .configUnreadable(file, reason): return "\(file): cannot read configuration: \(reason)"
        case let .configSyntax(file, line, column, message): return "\(file):\(line):\(column): TOML syntax error: \(message)"
        case let .config(file, key, value, problem): return "\(file): \(key): \(problem) (got \(value))"
        case let .watch(path, reason): return "\(path): cannot watch: \(reason)"
        case let .system(call, errno, detail): return "\(call) failed (errno \(errno)): \(detail)"
        case let .inspection(error): return error.description
        case let .version(id, problem): return "model version \(id): \(problem)"
        case let .training(job, problem): return "training job \(job): \(problem)"
        }
    }
}
