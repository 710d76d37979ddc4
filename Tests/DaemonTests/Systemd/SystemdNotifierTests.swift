@testable import Daemon
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// These tests pass NOTIFY_SOCKET through the environment dictionary, which (as it differs from
/// the process environment) exercises the Swift datagram path and can run in parallel. The
/// libsystemd path is covered by `SystemdNotifierLibsystemdTests`.
@Suite struct SystemdNotifierTests {
    @Test func disabledWithoutNotifySocket() {
        for environment in [[:], ["NOTIFY_SOCKET": ""]] as [[String: String]] {
            let notifier = SystemdNotifier(environment: environment)
            #expect(!notifier.isEnabled)
            #expect(!notifier.ready(status: "started"))
            #expect(!notifier.reloading())
            #expect(!notifier.status("idle"))
            #expect(!notifier.watchdog())
            #expect(!notifier.stopping())
            #expect(!notifier.notify(["READY": "1"]))
            #expect(notifier.watchdogInterval == nil)
        }
    }

    @Test func deliversLifecycleMessagesToPathSocket() throws {
        let listener = try DatagramListener(abstract: false)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address])
        #expect(notifier.isEnabled)
        #expect(!notifier.usesLibsystemd)

        #expect(notifier.ready(status: nil))
        #expect(listener.receive() == "READY=1")
        #expect(notifier.ready(status: "watching 2 folders"))
        #expect(listener.receive() == "READY=1\nSTATUS=watching 2 folders")
        #expect(notifier.status("processed 12, queue 3, 4.1 img/min"))
        #expect(listener.receive() == "STATUS=processed 12, queue 3, 4.1 img/min")
        #expect(notifier.watchdog())
        #expect(listener.receive() == "WATCHDOG=1")
        #expect(notifier.stopping())
        #expect(listener.receive() == "STOPPING=1")
    }

    @Test func deliversToAbstractSocket() throws {
        let listener = try DatagramListener(abstract: true)
        #expect(listener.address.hasPrefix("@"))
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address])
        #expect(notifier.ready(status: "up"))
        #expect(listener.receive() == "READY=1\nSTATUS=up")
        #expect(notifier.watchdog())
        #expect(listener.receive() == "WATCHDOG=1")
    }

    @Test func reloadingCarriesMonotonicTimestamp() throws {
        let listener = try DatagramListener(abstract: false)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address])
        let before = SystemdNotifier.monotonicMicroseconds()
        #expect(notifier.reloading())
        let after = SystemdNotifier.monotonicMicroseconds()
        let message = try #require(listener.receive())
        let lines = message.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.first == "RELOADING=1")
        let stamp = try #require(lines.last.flatMap { line -> UInt64? in
            guard line.hasPrefix("MONOTONIC_USEC=") else { return nil }
            return UInt64(line.dropFirst("MONOTONIC_USEC=".count))
        })
        #expect(stamp >= before && stamp <= after)
    }

    @Test func statusCannotInjectAssignments() throws {
        let listener = try DatagramListener(abstract: false)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address])
        #expect(notifier.status("bad image\nMAINPID=1"))
        #expect(listener.receive() == "STATUS=bad image MAINPID=1")
        #expect(notifier.notify(["STATUS": "a\r\nb", "READY": "1", "bad key": "x", "lower": "y"]))
        #expect(listener.receive() == "READY=1\nSTATUS=a b")
        #expect(!notifier.notify(["not valid": "1"]))
    }

    @Test(arguments: ["/nonexistent/inspectd/notify.sock", "@inspectd-nobody-listens-\(UUID().uuidString)",
                      "vsock:2:1234", "relative/notify.sock", "@"])
    func unreachableSocketReturnsFalse(address: String) {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": address])
        #expect(notifier.isEnabled)
        #expect(!notifier.ready(status: "never arrives"))
        #expect(!notifier.watchdog())
    }

    @Test func oversizedPathIsRejected() {
        let address = "/" + String(repeating: "x", count: 200)
        #expect(NotifyDatagram.makeAddress(address) == nil)
        #expect(!SystemdNotifier(environment: ["NOTIFY_SOCKET": address]).watchdog())
    }

    struct WatchdogCase: Sendable, CustomTestStringConvertible {
        let usec: String?
        let pid: String?
        let expected: Double?
        var testDescription: String { "WATCHDOG_USEC=\(usec ?? "-") WATCHDOG_PID=\(pid ?? "-")" }
    }

    static let ownPID = String(getpid())

    @Test(arguments: [
        WatchdogCase(usec: "60000000", pid: nil, expected: 60),
        WatchdogCase(usec: "60000000", pid: ownPID, expected: 60),
        WatchdogCase(usec: "500000", pid: ownPID, expected: 0.5),
        WatchdogCase(usec: "60000000", pid: "1", expected: nil),
        WatchdogCase(usec: "60000000", pid: "not-a-pid", expected: nil),
        WatchdogCase(usec: "0", pid: nil, expected: nil),
        WatchdogCase(usec: "-5", pid: nil, expected: nil),
        WatchdogCase(usec: "sixty", pid: nil, expected: nil),
        WatchdogCase(usec: nil, pid: ownPID, expected: nil),
    ])
    func watchdogIntervalFollowsEnvironment(_ test: WatchdogCase) {
        var environment: [String: String] = [:]
        environment["WATCHDOG_USEC"] = test.usec
        environment["WATCHDOG_PID"] = test.pid
        #expect(SystemdNotifier(environment: environment).watchdogInterval == test.expected)
    }
}
