/// A beat from long engine work (one transformer block, one checkpoint tensor converted). A
/// single-threaded caller such as the daemon's loop cannot answer systemd while a 24-block
/// forward pass at 518 px or a 1 GB checkpoint conversion runs on its own thread; this hook
/// lets it keep the watchdog and the start timeout fed *from that thread*, and only while
/// the work really advances (a hang stops the beats). The handler runs on whichever thread did
/// the work, so it must check the thread itself; it is set once at start-up, before any
/// other thread runs engine work.
public enum ProgressTick {
    /// Called after each unit of long work; nil: nothing to do.
    nonisolated(unsafe) public static var handler: (@Sendable () -> Void)?

    /// One beat.
    @inline(__always)
    public static func tick() {
        handler?()
    }
}
