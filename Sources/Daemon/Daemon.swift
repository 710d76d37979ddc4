import Config
import Inspection
import Store

/// The `inspectd` process: watcher, queue, systemd integration. Built out by the Daemon issue.
public enum Daemon {
    /// Version string reported by `inspectd --version`.
    public static let version = Inspection.version
}
