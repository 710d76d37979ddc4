import Foundation

/// Signed-in users, in memory: a restart signs everyone out, which is the safe direction.
/// The cookie carries only a 256-bit random id; the user name never leaves the server.
final class SessionStore: @unchecked Sendable {
    struct Session: Sendable {
        let user: String
        let expires: Double
    }

    static let cookieName = "inspectd_session"
    let lifetime: Double
    private let lock = NSLock()
    private var sessions: [String: Session] = [:]

    init(lifetime: Double) {
        self.lifetime = lifetime
    }

    /// A new session for `user`; returns its id (the cookie value).
    func create(user: String, now: Double = Date().timeIntervalSince1970) -> String {
        let id = RandomToken.make()
        lock.lock()
        defer { lock.unlock() }
        sessions = sessions.filter { $0.value.expires > now }
        sessions[id] = Session(user: user, expires: now + lifetime)
        return id
    }

    /// The user of a live session.
    func user(id: String?, now: Double = Date().timeIntervalSince1970) -> String? {
        guard let id else { return nil }
        lock.lock()
        defer { lock.unlock() }
        guard let session = sessions[id] else { return nil }
        guard session.expires > now else {
            sessions[id] = nil
            return nil
        }
        return session.user
    }

    func remove(id: String?) {
        guard let id else { return }
        lock.lock()
        defer { lock.unlock() }
        sessions[id] = nil
    }
}
