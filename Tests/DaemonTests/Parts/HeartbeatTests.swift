@testable import Daemon
import Foundation
import Store
import Testing

/// Watchdog, STATUS= and the status row on a real notify socket, with a manual clock.
@Suite struct HeartbeatTests {
    static func heartbeat(_ fx: PartsFixture, listener: DatagramListener, watchdogSeconds: Int) -> Heartbeat {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address,
                                                     "WATCHDOG_USEC": "\(watchdogSeconds * 1_000_000)",
                                                     "WATCHDOG_PID": "\(getpid())"])
        return Heartbeat(store: fx.store, notifier: notifier, clock: fx.clock, logger: fx.logger, configPath: fx.configPath)
    }

    /// Pings are due at a quarter of WatchdogSec, so one unit of work between two checks cannot
    /// stretch a gap past half of it; the status line goes out at half of it.
    @Test func theWatchdogIsPingedAtAQuarterOfItsIntervalAndTheStatusLineAtHalf() throws {
        let fx = try PartsFixture()
        let listener = try DatagramListener(abstract: false)
        let h = Self.heartbeat(fx, listener: listener, watchdogSeconds: 4)
        h.progress = { (7, 3.5) }
        h.trainingJob = { 12 }
        #expect(h.watchdogPeriod == 2)
        #expect(h.pingInterval == 1)
        h.pingWatchdogIfDue()
        var first = [String]()
        while let d = listener.receive(timeoutMilliseconds: 200) { first.append(d) }
        #expect(first.contains { $0.contains("WATCHDOG=1") }, "\(first)")
        fx.clock.advance(0.5)
        h.pingWatchdogIfDue()
        var afterHalf = [String]()
        while let d = listener.receive(timeoutMilliseconds: 50) { afterHalf.append(d) }
        #expect(afterHalf.isEmpty, "\(afterHalf)")
        fx.clock.advance(0.5)
        h.pingWatchdogIfDue()
        var afterOne = [String]()
        while let d = listener.receive(timeoutMilliseconds: 200) { afterOne.append(d) }
        #expect(afterOne.contains { $0.contains("WATCHDOG=1") }, "\(afterOne)")
        #expect(!afterOne.contains { $0.contains("STATUS=") }, "\(afterOne)")
        fx.clock.advance(1)
        h.pingWatchdogIfDue()
        var afterTwo = [String]()
        while let d = listener.receive(timeoutMilliseconds: 200) { afterTwo.append(d) }
        #expect(afterTwo.contains { $0.contains("WATCHDOG=1") }, "\(afterTwo)")
        #expect(afterTwo.contains { $0.contains("STATUS=processed 7, queue 0, 3.5 img/min, training job 12") }, "\(afterTwo)")
    }

    /// `LoopPulse`'s ping from inside engine work: WATCHDOG=1 alone, on the same schedule.
    @Test func pingOnlySendsTheWatchdogAndSharesTheSchedule() throws {
        let fx = try PartsFixture()
        let listener = try DatagramListener(abstract: false)
        let h = Self.heartbeat(fx, listener: listener, watchdogSeconds: 4)
        h.pingOnlyIfDue()
        #expect(listener.receive() == "WATCHDOG=1")
        fx.clock.advance(0.5)
        h.pingWatchdogIfDue()
        var sent = [String]()
        while let d = listener.receive(timeoutMilliseconds: 100) { sent.append(d) }
        #expect(!sent.contains { $0.contains("WATCHDOG=1") }, "\(sent)")
        #expect(sent.contains { $0.hasPrefix("STATUS=") }, "the status line was not sent yet: \(sent)")
    }

    @Test func pollNeverSleepsPastTheNextPingAndShortensWhileFilesSettle() throws {
        let fx = try PartsFixture()
        let listener = try DatagramListener(abstract: false)
        let short = Self.heartbeat(fx, listener: listener, watchdogSeconds: 4)
        #expect(short.pollTimeout(settling: false) == 100, "no ping yet: it is due now")
        short.pingOnlyIfDue()
        #expect(short.pollTimeout(settling: false) == 1000)
        let long = Self.heartbeat(fx, listener: listener, watchdogSeconds: 60)
        long.pingOnlyIfDue()
        #expect(long.pollTimeout(settling: false) == 2500)
        #expect(long.pollTimeout(settling: true) == 500)
        // Work took most of the interval: poll only until the ping is due, not a whole interval
        // more (which made gaps of almost WatchdogSec/2 after a turn that just missed a ping).
        fx.clock.advance(2.0)
        #expect(long.pollTimeout(settling: false) == 500)
        fx.clock.advance(0.45)
        #expect(long.pollTimeout(settling: false) == 100)
        fx.clock.advance(1)
        #expect(long.pollTimeout(settling: false) == 100)
    }

    @Test func theStatusRowAndTheRetrainingTickRunEveryTwoSeconds() throws {
        let fx = try PartsFixture()
        let listener = try DatagramListener(abstract: false)
        let h = Self.heartbeat(fx, listener: listener, watchdogSeconds: 60)
        var beats = 0
        h.onBeat = { beats += 1 }
        h.progress = { (3, 1) }
        h.modelVersion = { "tiny+v1" }
        h.update("running")
        h.beatIfDue()
        fx.clock.advance(1.5)
        h.beatIfDue()
        #expect(beats == 1)
        fx.clock.advance(0.5)
        h.beatIfDue()
        #expect(beats == 2)
        let row = try #require(try fx.store.status())
        #expect(row.state == "running" && row.processed == 3 && row.modelVersion == "tiny+v1" && row.pid == getpid())
        #expect(abs(row.heartbeatAt - fx.clock.now) < 1e-6)
    }
}
