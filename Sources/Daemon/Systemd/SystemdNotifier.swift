import CSystemd
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Tells the service manager how the daemon is doing (sd_notify(3)): `Type=notify` makes
/// `systemctl start` wait for `READY=1`, `WatchdogSec=` restarts us when `WATCHDOG=1` stops
/// arriving, and `STATUS=` is what operators see in `systemctl status inspectd`.
///
/// Notifying never throws and never stops the daemon: outside systemd, or if the socket is
/// gone, the messages are simply dropped and the methods return `false`.
///
/// libsystemd reads `NOTIFY_SOCKET` and `WATCHDOG_*` from the real process environment, while
/// this type takes an environment dictionary so tests can run in parallel without `setenv`.
/// When the dictionary agrees with the process environment (always the case in production)
/// the libsystemd calls are used; when it does not (tests, or after the variables were unset
/// so children do not inherit them) the same documented protocol is applied here in Swift:
/// one `AF_UNIX`/`SOCK_DGRAM` datagram to a path or to an abstract (`@name`) address.
public struct SystemdNotifier: Sendable {
    /// `NOTIFY_SOCKET` as given; nil or empty means "not started by systemd with Type=notify".
    let socketAddress: String?
    let watchdogMicroseconds: String?
    let watchdogPID: String?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let socket = environment["NOTIFY_SOCKET"]
        socketAddress = (socket?.isEmpty ?? true) ? nil : socket
        watchdogMicroseconds = environment["WATCHDOG_USEC"]
        watchdogPID = environment["WATCHDOG_PID"]
    }

    /// Whether systemd asked for notifications; the loop can skip building status strings if not.
    public var isEnabled: Bool { socketAddress != nil }

    /// Sends newline-separated assignments such as `"READY=1\nSTATUS=idle"` as one datagram.
    /// Returns whether the datagram was handed to the socket.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        guard let socketAddress else { return false }
        if usesLibsystemd {
            return sd_notify(0, state) > 0
        }
        return NotifyDatagram.send(Array(state.utf8), to: socketAddress)
    }

    /// Sends the assignments in one datagram, keys sorted so messages are reproducible. Keys
    /// other than `[A-Z0-9_]+` are dropped and newlines in values become spaces, so a value can
    /// never smuggle in a second assignment (for example a bogus `MAINPID=`).
    @discardableResult
    public func notify(_ assignments: [String: String]) -> Bool {
        let lines = assignments.keys.sorted().compactMap { key -> String? in
            guard Self.isValidKey(key), let value = assignments[key] else { return nil }
            return "\(key)=\(Self.singleLine(value))"
        }
        guard !lines.isEmpty else { return false }
        return notify(lines.joined(separator: "\n"))
    }

    /// Start-up is complete (or a reload finished): `systemctl start`/`reload` return now.
    @discardableResult
    public func ready(status: String? = nil) -> Bool {
        guard let status else { return notify("READY=1") }
        return notify("READY=1\nSTATUS=\(Self.singleLine(status))")
    }

    /// A reload (SIGHUP) has begun; send `ready(status:)` when the new configuration is live.
    /// `MONOTONIC_USEC` lets systemd ≥ 253 (`Type=notify-reload`) match this message to the
    /// reload it requested; older managers and `Type=notify` ignore the extra field.
    @discardableResult
    public func reloading() -> Bool {
        notify("RELOADING=1\nMONOTONIC_USEC=\(Self.monotonicMicroseconds())")
    }

    /// Shutdown has begun, so systemd shows "deactivating" rather than a hung service while the
    /// current image finishes.
    @discardableResult
    public func stopping() -> Bool {
        notify("STOPPING=1")
    }

    /// One-line state for `systemctl status`, e.g. "processed 12, queue 3, 4.1 img/min".
    @discardableResult
    public func status(_ text: String) -> Bool {
        notify("STATUS=\(Self.singleLine(text))")
    }

    /// Keep-alive ping; without it systemd kills and restarts the service after `WatchdogSec=`.
    @discardableResult
    public func watchdog() -> Bool {
        notify("WATCHDOG=1")
    }

    /// The watchdog timeout in seconds, or nil when no watchdog is armed for this process
    /// (`WATCHDOG_USEC` unset or invalid, or `WATCHDOG_PID` naming another process). Ping at
    /// half of it so one slow image does not get the daemon killed.
    public var watchdogInterval: Double? {
        if watchdogVariablesMatchProcess {
            var usec: UInt64 = 0
            guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
            return Double(usec) / 1_000_000
        }
        return Self.watchdogInterval(microseconds: watchdogMicroseconds, pid: watchdogPID,
                                     currentPID: getpid())
    }

    /// sd_watchdog_enabled(3) semantics for a given environment, without touching the real one.
    static func watchdogInterval(microseconds: String?, pid: String?, currentPID: pid_t) -> Double? {
        guard let microseconds, let usec = UInt64(microseconds), usec > 0, usec != UInt64.max else {
            return nil
        }
        if let pid {
            guard let owner = pid_t(pid), owner > 0, owner == currentPID else { return nil }
        }
        return Double(usec) / 1_000_000
    }

    /// True when libsystemd would read the same socket from the process environment.
    var usesLibsystemd: Bool {
        socketAddress != nil && Self.processEnvironment("NOTIFY_SOCKET") == socketAddress
    }

    private var watchdogVariablesMatchProcess: Bool {
        Self.processEnvironment("WATCHDOG_USEC") == watchdogMicroseconds
            && Self.processEnvironment("WATCHDOG_PID") == watchdogPID
    }

    private static func processEnvironment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }

    static func isValidKey(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "_")
        }
    }

    static func singleLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }

    /// CLOCK_MONOTONIC in µs, the clock systemd stamps its own reload requests with.
    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}
