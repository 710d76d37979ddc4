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

    public init(url: String, action: String, reason: String) {
        self.url = url
        self.action = action
        self.reason = reason
    }

    public var description: String { "fleet database \(url): \(action): \(reason)" }

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
