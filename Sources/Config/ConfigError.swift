/// A configuration that cannot be used. Every case names the file and, for bad values, the
/// key (e.g. `station[2].folder`) and the offending value, so an operator can fix it without
/// reading code.
public enum ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The configuration file could not be read.
    case unreadable(file: String, reason: String)
    /// The configuration file is not valid TOML.
    case syntax(file: String, line: Int, column: Int, message: String)
    /// A key has a bad value, is missing, or is unknown.
    case invalid(file: String, key: String, value: String, problem: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason): return "\(file): cannot read configuration: \(reason)"
        case let .syntax(file, line, column, message): return "\(file):\(line):\(column): TOML syntax error: \(message)"
        case let .invalid(file, key, value, problem): return "\(file): \(key): \(problem) (got \(value))"
        }
    }
}
