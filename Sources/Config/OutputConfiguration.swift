import Inspection

/// One `[[station.output]]`: where a station's verdicts go after they are committed to the
/// log, so a reject gate, PLC gateway or MES learns the answer without polling SQLite.
public struct OutputConfiguration: Sendable, Equatable {
    /// What the output does with each verdict.
    public enum Kind: Sendable, Equatable {
        /// One JSON document per verdict, written atomically into `folder`.
        case file(FileOutputSettings)
        /// One NDJSON line per verdict to every client of a Unix stream socket.
        case socket(SocketOutputSettings)
        /// A command run with the verdict JSON on stdin.
        case exec(ExecOutputSettings)

        /// `file`, `socket` or `exec`: the spelling in the config and in `inspectctl status`.
        public var name: String {
            switch self {
            case .file: return "file"
            case .socket: return "socket"
            case .exec: return "exec"
            }
        }

        /// The folder, socket path or program: what an operator recognises the output by.
        public var target: String {
            switch self {
            case let .file(s): return s.folder
            case let .socket(s): return s.path
            case let .exec(s): return s.command.first ?? ""
            }
        }
    }

    public var kind: Kind
    /// Unique within the station; defaults to `kind:target`. Keys the counters and the file
    /// output's export cursor, so renaming it starts a new cursor.
    public var name: String
    /// Verdicts sent; empty = all three.
    public var verdicts: [Verdict]

    public init(kind: Kind, name: String? = nil, verdicts: [Verdict] = []) {
        self.kind = kind
        self.name = name ?? "\(kind.name):\(kind.target)"
        self.verdicts = verdicts
    }

    /// Whether a verdict passes this output's `verdicts` filter.
    public func accepts(_ verdict: Verdict) -> Bool { verdicts.isEmpty || verdicts.contains(verdict) }
}
