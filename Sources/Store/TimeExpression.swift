import Inspection
import Foundation

/// journalctl-style time expressions for `--since/--until`: relative (`8h`, `30m`, `2d`,
/// `1w`, `90s`, optionally followed by `ago`), `now`, `today`, `yesterday`, absolute
/// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]` (local time), ISO 8601 with zone, or `@UNIXSECONDS`.
public enum TimeExpression {
    /// A text that is none of the accepted forms.
    public struct Invalid: Error, CustomStringConvertible {
        /// The offending text.
        public let text: String
        public var description: String {
            "bad time expression '\(text)': expected e.g. 8h, 30m, 2d, today, yesterday, now, "
                + "2026-11-24, '2026-11-24 08:00', 2026-11-24T08:00:00Z or @1764000000"
        }
    }

    /// Unix seconds for `text`, relative to `now`.
    public static func parse(_ text: String, now: Date = Date(), calendar: Calendar = .current) throws -> Double {
        var t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if t.hasSuffix(" ago") { t = String(t.dropLast(4)).trimmingCharacters(in: .whitespaces) }
        switch t {
        case "now": return now.timeIntervalSince1970
        case "today": return calendar.startOfDay(for: now).timeIntervalSince1970
        case "yesterday":
            // Calendar arithmetic, not −86400 s: a day next to a DST change has 23 or 25 hours.
            let today = calendar.startOfDay(for: now)
            return (calendar.date(byAdding: .day, value: -1, to: today) ?? today.addingTimeInterval(-86400))
                .timeIntervalSince1970
        default: break
        }
        if t.hasPrefix("@"), let v = Double(t.dropFirst()), v.isFinite { return v }
        let units: [(String, Double)] = [("w", 604_800), ("d", 86400), ("h", 3600), ("min", 60), ("m", 60), ("s", 1)]
        for (suffix, seconds) in units where t.hasSuffix(suffix) {
            if let v = Double(t.dropLast(suffix.count)), v.isFinite, v >= 0 {
                return now.timeIntervalSince1970 - v * seconds
            }
        }
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime]
        if let d = iso.date(from: text.trimmingCharacters(in: .whitespaces)) { return d.timeIntervalSince1970 }
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = iso.date(from: text.trimmingCharacters(in: .whitespaces)) { return d.timeIntervalSince1970 }
        for format in ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd"] {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = calendar.timeZone
            f.dateFormat = format
            if let d = f.date(from: text.trimmingCharacters(in: .whitespaces)) { return d.timeIntervalSince1970 }
        }
        throw Invalid(text: text)
    }

    /// Local `YYYY-MM-DD HH:MM:SS` for tables.
    public static func format(_ seconds: Double?) -> String {
        guard let seconds else { return "-" }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f.string(from: Date(timeIntervalSince1970: seconds))
    }

    /// ISO 8601 UTC for JSON/CSV.
    public static func iso(_ seconds: Double?) -> String? {
        guard let seconds else { return nil }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date(timeIntervalSince1970: seconds))
    }
}
