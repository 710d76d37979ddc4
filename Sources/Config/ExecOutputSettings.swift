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
