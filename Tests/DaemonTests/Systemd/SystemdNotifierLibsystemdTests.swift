@testable import Daemon
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// sd_notify and sd_watchdog_enabled read the real process environment, so this suite sets
/// NOTIFY_SOCKET / WATCHDOG_* with setenv for the duration of each test and restores them.
/// `.serialized` keeps these tests from overlapping each other; nothing else in the package
/// reads these variables, and the values point at sockets only these tests own.
@Suite(.serialized) struct SystemdNotifierLibsystemdTests {
    /// Sets (or unsets) variables for the duration of `body`, then restores the old values.
    private func withProcessEnvironment<T>(_ values: [String: String?], _ body: () throws -> T) rethrows -> T {
        var saved: [String: String?] = [:]
        for (name, value) in values {
            saved[name] = getenv(name).map { String(cString: $0) }
            if let value { setenv(name, value, 1) } else { unsetenv(name) }
        }
        defer {
            for (name, value) in saved {
                if let value { setenv(name, value, 1) } else { unsetenv(name) }
            }
        }
        return try body()
    }

    @Test(arguments: [false, true])
    func sdNotifyDeliversWhenEnvironmentMatches(abstract: Bool) throws {
        let listener = try DatagramListener(abstract: abstract)
        try withProcessEnvironment(["NOTIFY_SOCKET": listener.address]) {
            let notifier = SystemdNotifier()
            #expect(notifier.isEnabled)
            #expect(notifier.usesLibsystemd)
            #expect(notifier.ready(status: "via libsystemd"))
            #expect(listener.receive() == "READY=1\nSTATUS=via libsystemd")
            #expect(notifier.watchdog())
            #expect(listener.receive() == "WATCHDOG=1")
            #expect(notifier.reloading())
            let reload = try #require(listener.receive())
            #expect(reload.hasPrefix("RELOADING=1\nMONOTONIC_USEC="))
            #expect(notifier.stopping())
            #expect(listener.receive() == "STOPPING=1")
        }
    }

    @Test func sdWatchdogEnabledHonoursWatchdogPID() {
        let ownPID = String(getpid())
        withProcessEnvironment(["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": ownPID]) {
            #expect(SystemdNotifier().watchdogInterval == 30)
        }
        withProcessEnvironment(["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"]) {
            #expect(SystemdNotifier().watchdogInterval == nil)
        }
        withProcessEnvironment(["WATCHDOG_USEC": nil, "WATCHDOG_PID": nil]) {
            #expect(SystemdNotifier().watchdogInterval == nil)
        }
    }

    /// A notifier bound to one socket keeps using it after the variable changes (for example
    /// after the daemon unsets NOTIFY_SOCKET so child processes do not inherit it).
    @Test func notifierKeepsItsSocketAfterEnvironmentChanges() throws {
        let listener = try DatagramListener(abstract: false)
        let notifier = withProcessEnvironment(["NOTIFY_SOCKET": listener.address]) { SystemdNotifier() }
        withProcessEnvironment(["NOTIFY_SOCKET": nil]) {
            #expect(!notifier.usesLibsystemd)
            #expect(notifier.watchdog())
            #expect(listener.receive() == "WATCHDOG=1")
        }
    }
}
