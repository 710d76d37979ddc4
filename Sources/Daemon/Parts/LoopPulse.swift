import Engine
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Keeps systemd's clocks fed while the loop thread itself is inside long engine work: a
/// checkpoint being converted at start-up, a checkpoint being hashed, one forward pass of a
/// large model (ViT-L/14 at 518 px takes ~18 s an image on two cores). The engine calls
/// `ProgressTick` after each tensor or transformer block; on the thread that owns this pulse
/// that becomes
/// - before `READY=1`: `EXTEND_TIMEOUT_USEC` (at most every 5 s, asking for 30 s more), so a
///   large checkpoint does not hit `TimeoutStartSec=` while it is visibly progressing;
/// - after: `WATCHDOG=1` when due (`Heartbeat.pingOnlyIfDue`).
/// Only real progress ticks, so a loader or encoder that hangs stops the beats and systemd
/// still notices. Other threads (the background fit) are ignored: they must not vouch for the
/// loop.
final class LoopPulse {
    /// How much longer each extension asks for.
    static let extensionSeconds: Double = 30
    /// Seconds between two extensions.
    static let extendEvery: Double = 5

    private let notifier: SystemdNotifier
    private let clock: DaemonClock
    /// Set once the loop runs: from then on ticks ping the watchdog.
    var heartbeat: Heartbeat?
    private var lastExtend = -Double.infinity

    init(notifier: SystemdNotifier, clock: DaemonClock) {
        self.notifier = notifier
        self.clock = clock
    }

    /// Makes this the pulse of the calling thread until `detach()`.
    func attach() {
        _ = Self.installHandler
        pthread_setspecific(Self.key, Unmanaged.passUnretained(self).toOpaque())
    }

    /// The calling thread has no pulse any more.
    func detach() {
        pthread_setspecific(Self.key, nil)
    }

    /// One tick on the owning thread.
    func beat() {
        if let heartbeat {
            heartbeat.pingOnlyIfDue()
        } else {
            extendStartIfDue()
        }
    }

    /// `EXTEND_TIMEOUT_USEC` during start-up, at most every `extendEvery` seconds.
    func extendStartIfDue() {
        let now = clock.monotonic
        guard now - lastExtend >= Self.extendEvery else { return }
        lastExtend = now
        notifier.notify("EXTEND_TIMEOUT_USEC=\(UInt64(Self.extensionSeconds * 1_000_000))")
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// The engine's hook, set once: finds the calling thread's pulse, if any.
    private static let installHandler: Void = {
        ProgressTick.handler = {
            guard let raw = pthread_getspecific(LoopPulse.key) else { return }
            Unmanaged<LoopPulse>.fromOpaque(raw).takeUnretainedValue().beat()
        }
    }()
}
