import Foundation

/// A `postgres://` URL, parsed without any PostgreSQL library so that the configuration and
/// `inspectctl` can check it. The password may be in the URL (discouraged: the URL ends up in
/// shell history and config backups), or in a file named by `password_file` (a URL query
/// parameter or the `[fleet] password_file` key), read when connecting. ``redacted`` is the
/// only spelling ever shown in logs and errors.
public struct FleetURL: Sendable, Equatable, CustomStringConvertible {
    /// libpq's `sslmode` values that inspectd supports.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS if the server offers it, certificate not checked (libpq's default).
        case prefer
        /// TLS or no connection; the certificate is not checked (libpq semantics).
        case require
        /// TLS with the certificate checked against the system trust store and the host name.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var passwordFile: String?
    public var database: String
    public var tls: TLSMode

    /// The URL with the password replaced by `***`: safe for logs, status and errors.
    public var redacted: String {
        let secret = password == nil ? "" : ":***"
        var query = ["sslmode=\(tls.rawValue)"]
        if let passwordFile { query.append("password_file=\(passwordFile)") }
        return "postgres://\(user)\(secret)@\(host):\(port)/\(database)?" + query.joined(separator: "&")
    }

    public var description: String { redacted }

    /// Whether `text` looks like a PostgreSQL URL rather than a file path (`--db`).
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses `postgres://user[:password]@host[:port]/database[?sslmode=…&password_file=…]`.
    /// Errors never repeat the password.
    public init(parsing text: String) throws(FleetURLError) {
        guard Self.isPostgres(text), let components = URLComponents(string: text) else {
            throw FleetURLError(url: Self.redact(text), problem: "expected postgres://user@host[:port]/database")
        }
        guard let host = components.host, !host.isEmpty else {
            throw FleetURLError(url: Self.redact(text), problem: "no host")
        }
        guard let user = components.user, !user.isEmpty else {
            throw FleetURLError(url: Self.redact(text), problem: "no user name (postgres://USER@host/database)")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw FleetURLError(url: Self.redact(text), problem: "no database name (postgres://user@host/DATABASE)")
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else {
            throw FleetURLError(url: Self.redact(text), problem: "port \(port) is out of range")
        }
        self.host = host
        self.port = port
        self.user = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database.removingPercentEncoding ?? database
        self.passwordFile = nil
        self.tls = .prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: item.value ?? "") else {
                    throw FleetURLError(url: Self.redact(text), problem: "sslmode must be one of "
                        + TLSMode.allCases.map(\.rawValue).joined(separator: ", ") + " (got \(item.value ?? ""))")
                }
                tls = mode
            case "password_file":
                guard let file = item.value, file.hasPrefix("/") else {
                    throw FleetURLError(url: Self.redact(text), problem: "password_file must be an absolute path")
                }
                passwordFile = file
            default:
                throw FleetURLError(url: Self.redact(text),
                                    problem: "unknown parameter '\(item.name)' (supported: sslmode, password_file)")
            }
        }
    }

    /// The password: from the URL, else the first line of the password file (read now, so a
    /// rotated password is picked up at the next connection). Nil when neither is given
    /// (trust or peer authentication).
    public func resolvedPassword() throws(FleetURLError) -> String? {
        if let password { return password }
        guard let passwordFile else { return nil }
        let text: String
        do {
            text = try FileProbe.readText(passwordFile, limit: 4096)
        } catch {
            throw FleetURLError(url: redacted, problem: "cannot read password_file \(passwordFile): \(error.reason)")
        }
        return text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
    }

    /// `text` with anything between `user:` and `@` replaced, for messages about URLs that
    /// did not parse.
    public static func redact(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].lastIndex(of: "@") else { return text }
        let authority = text[scheme.upperBound..<at]
        guard let colon = authority.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }
}

/// A `postgres://` URL that cannot be used; the URL in it is redacted.
public struct FleetURLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var url: String
    public var problem: String
    public var description: String { "\(url): \(problem)" }
}
