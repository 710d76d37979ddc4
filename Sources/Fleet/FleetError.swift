import Config
import Foundation
import PostgresNIO

/// What went wrong talking to the fleet database. Messages never contain the password: the
/// URL is always the redacted one, and any server or library text is scrubbed of it.
public struct FleetError: Error, Sendable, CustomStringConvertible {
    /// The redacted URL of the server.
    public var url: String
    /// What was being done ("connecting", "shipping 200 outbox entries", …).
    public var action: String
    public var reason: String
    /// PostgreSQL's SQLSTATE when the server answered with an error, nil otherwise.
    public var sqlState: String?

    public init(url: String, action: String, reason: String, sqlState: String? = nil) {
        self.url = url
        self.action = action
        self.reason = reason
        self.sqlState = sqlState
    }

    public var description: String { "fleet database \(url): \(action): \(reason)" }

    /// The server refused the data itself (SQLSTATE class 22, data exception, or 23, integrity
    /// constraint): sending the same entry again fails the same way, unlike a lost connection,
    /// a timeout or a missing schema.
    public var rejectsData: Bool {
        guard let sqlState else { return false }
        return sqlState.hasPrefix("22") || sqlState.hasPrefix("23")
    }

    /// The SQLSTATE of a server error from PostgresNIO, if `error` is one.
    static func sqlState(of error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// A readable, scrubbed description of any error from the connection: PostgreSQL's own
    /// message for server errors, the error code for client ones.
    static func reason(_ error: any Error, secret: String?) -> String {
        var text: String
        switch error {
        case let error as PSQLError:
            if let message = error.serverInfo?[.message] {
                let code = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                text = message + code
            } else if let underlying = error.underlying {
                text = "\(error.code): \(underlying)"
            } else {
                text = "\(error.code)"
            }
        case let error as FleetError:
            text = error.reason
        case let error as FleetURLError:
            text = error.problem
        default:
            text = "\(error)"
        }
        if let secret, !secret.isEmpty {
            text = text.replacingOccurrences(of: secret, with: "***")
        }
        return text
    }
}
