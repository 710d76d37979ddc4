import Foundation
import Store

/// The fleet outbox in `inspectctl status`: how much waits to be shipped and what the cap
/// has dropped, so an operator sees a disconnected line PC before the cap bites.
enum OutboxStatusPrinter {
    /// One line for the table; nil when fleet replication is off and nothing waits.
    static func line(_ s: OutboxStatus) -> String? {
        guard s.enabled || s.size > 0 else { return nil }
        var text = "outbox \(s.size) waiting (cap \(s.capacity)), shipped \(s.shipped), dropped \(s.dropped)"
        if let oldest = s.oldest { text += ", oldest \(TimeExpression.format(oldest))" }
        if let last = s.lastShippedAt { text += ", last shipped \(TimeExpression.format(last))" }
        if let error = s.lastError { text += "; last error: \(error)" }
        return text
    }

    static func dictionary(_ s: OutboxStatus) -> [String: Any] {
        ["enabled": s.enabled, "size": s.size, "capacity": s.capacity, "dropped": s.dropped, "shipped": s.shipped,
         "oldest": TimeExpression.iso(s.oldest) ?? NSNull(), "last_shipped_at": TimeExpression.iso(s.lastShippedAt) ?? NSNull(),
         "last_error": s.lastError ?? NSNull()]
    }
}
