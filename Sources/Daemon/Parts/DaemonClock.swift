import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock and monotonic time for the daemon's parts. Injected so that settling,
/// watchdog and heartbeat cadences can be tested by moving a clock instead of sleeping.
public protocol DaemonClock: AnyObject {
    /// Unix seconds, for rows in the store.
    var now: Double { get }
    /// Seconds on a clock that never jumps, for intervals.
    var monotonic: Double { get }
}

/// The real clocks: `Date()` and `CLOCK_MONOTONIC`.
public final class SystemClock: DaemonClock {
    public init() {}

    public var now: Double { Date().timeIntervalSince1970 }

    public var monotonic: Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
