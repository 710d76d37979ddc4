import Foundation
import Store

/// `inspectctl status`'s view of the result outputs: counters since the daemon started.
enum OutputStatusPrinter {
    /// `line1 file:/srv/out: delivered 200, failed 0, dropped 0, pending 0; last error …`.
    static func line(_ s: OutputStatus) -> String {
        var text = "\(s.station) \(s.name): delivered \(s.delivered), failed \(s.failed), dropped \(s.dropped)"
        if s.kind != "socket" { text += ", pending \(s.pending)" }
        if let clients = s.clients { text += ", \(clients) client\(clients == 1 ? "" : "s")" }
        if let error = s.lastError { text += "; last error \(TimeExpression.format(s.lastErrorAt)): \(error)" }
        return text
    }

    static func dictionary(_ s: OutputStatus) -> [String: Any] {
        func opt(_ v: Any?) -> Any { v ?? NSNull() }
        return ["station": s.station, "name": s.name, "kind": s.kind, "target": s.target, "delivered": s.delivered,
                "failed": s.failed, "dropped": s.dropped, "pending": s.pending, "clients": opt(s.clients),
                "cursor": opt(s.cursor), "last_error": opt(s.lastError), "last_error_at": opt(TimeExpression.iso(s.lastErrorAt)),
                "updated_at": opt(TimeExpression.iso(s.updatedAt))]
    }
}
