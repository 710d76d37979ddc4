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

/// `kind = "file"`.
public struct FileOutputSettings: Sendable, Equatable {
    /// Absolute; need not exist at start (a missing folder is a retried failure).
    public var folder: String
    /// Newest documents kept in the folder; nil = no limit.
    public var keepCount: Int?
    /// Seconds a document is kept; nil = no limit.
    public var keepAge: Double?
    /// Seconds between retries after a failed write.
    public var retryInterval: Double = 5

    public init(folder: String, keepCount: Int? = nil, keepAge: Double? = nil) {
        self.folder = folder
        self.keepCount = keepCount
        self.keepAge = keepAge
    }
}

/// `kind = "socket"`.
public struct SocketOutputSettings: Sendable, Equatable {
    public static let defaultClientBuffer = 256 * 1024
    /// Absolute path of the socket file; its folder must exist (e.g. systemd's RuntimeDirectory).
    public var path: String
    /// Bytes queued for one client before it is dropped as too slow.
    public var clientBuffer: Int = SocketOutputSettings.defaultClientBuffer
    /// Most clients at once; more are refused.
    public var maxClients = 16

    public init(path: String) { self.path = path }
}

/// `kind = "exec"`.
public struct ExecOutputSettings: Sendable, Equatable {
    /// Program (absolute path) and its arguments; no shell is involved.
    public var command: [String]
    /// Seconds before the command's process group gets SIGTERM (then SIGKILL 2 s later).
    public var timeout: Double = 10
    /// Commands running at once.
    public var concurrency = 1
    /// Verdicts waiting for a free slot; more are dropped and counted.
    public var queue = 100

    public init(command: [String]) { self.command = command }
}
