@testable import Daemon

/// A clock the test moves by hand, so cadences are checked without sleeping.
final class ManualClock: DaemonClock {
    var now: Double
    var monotonic: Double

    init(now: Double, monotonic: Double = 1000) {
        self.now = now
        self.monotonic = monotonic
    }

    /// Moves both clocks forward.
    func advance(_ seconds: Double) {
        now += seconds
        monotonic += seconds
    }
}
