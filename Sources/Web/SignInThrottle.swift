import Foundation

/// Slows password guessing at `/login`. After `freeFailures` wrong passwords for one user name
/// within `window` seconds, that name is refused (429, no scrypt run) for a time that doubles
/// with every further failure, from `firstLock` up to `maxLock`. Keyed by the name, not the
/// client address: behind the usual TLS proxy every request comes from 127.0.0.1, and a
/// guesser would rotate addresses anyway. Unknown names are throttled alike, so the reply does
/// not reveal which names exist; names are compared exactly, as the users file compares them.
/// A successful sign-in clears the name.
final class SignInThrottle: @unchecked Sendable {
    private struct Entry {
        var failures: Int
        var lastFailure: Double
        var lockedUntil: Double
    }

    let freeFailures: Int
    let window: Double
    let firstLock: Double
    let maxLock: Double
    /// Names remembered at most; older entries are forgotten first when it is reached.
    let capacity: Int
    private let clock: @Sendable () -> Double
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]

    init(freeFailures: Int = 5, window: Double = 900, firstLock: Double = 30, maxLock: Double = 900,
         capacity: Int = 10_000, clock: @escaping @Sendable () -> Double = { ProcessInfo.processInfo.systemUptime }) {
        self.freeFailures = max(1, freeFailures)
        self.window = window
        self.firstLock = firstLock
        self.maxLock = max(firstLock, maxLock)
        self.capacity = max(1, capacity)
        self.clock = clock
    }

    /// Seconds `user` must still wait before a password is checked, or nil when it may try.
    func wait(user: String) -> Double? {
        let now = clock()
        return lock.withLock {
            guard let entry = entries[user], entry.lockedUntil > now else { return nil }
            return entry.lockedUntil - now
        }
    }

    /// Records a wrong password (or unknown name) for `user`.
    func failed(user: String) {
        let now = clock()
        let key = user
        lock.withLock {
            var entry = entries[key] ?? Entry(failures: 0, lastFailure: now, lockedUntil: 0)
            if now - entry.lastFailure > window, entry.lockedUntil <= now { entry.failures = 0 }
            entry.failures += 1
            entry.lastFailure = now
            let over = entry.failures - freeFailures
            if over >= 0 {
                let seconds = min(maxLock, firstLock * pow(2, Double(min(over, 30))))
                entry.lockedUntil = now + seconds
            }
            if entries[key] == nil, entries.count >= capacity { forgetOldest(now: now) }
            entries[key] = entry
        }
    }

    /// A successful sign-in: the name starts afresh.
    func succeeded(user: String) {
        lock.withLock { _ = entries.removeValue(forKey: user) }
    }

    /// Drops entries that no longer matter, or else the longest-idle quarter.
    private func forgetOldest(now: Double) {
        entries = entries.filter { now - $0.value.lastFailure <= window || $0.value.lockedUntil > now }
        guard entries.count >= capacity else { return }
        let idle = entries.sorted { $0.value.lastFailure < $1.value.lastFailure }.prefix(max(1, capacity / 4))
        for (key, _) in idle { entries.removeValue(forKey: key) }
    }
}
