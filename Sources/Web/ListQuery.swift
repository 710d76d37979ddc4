import Foundation
import Inspection
import Store

/// The verdict list's filters as they appear in a shareable URL, with the same meaning as
/// `inspectctl verdicts`: since/until (same time expressions), station, verdict (pass,
/// review, fail, error), score range, defect class, labelled or not, page.
struct ListQuery: Sendable {
    var since: String?
    var until: String?
    var stations: [String] = []
    var verdicts: [String] = []
    var minScore: Double?
    var maxScore: Double?
    var defectClass: String?
    /// "yes", "no" or nil.
    var labelled: String?
    var page = 1
    var size = 50

    /// Parses the query string; a bad value is an error naming the field and the value.
    init(_ fields: FormFields) throws {
        since = fields["since"]
        until = fields["until"]
        stations = fields.all("station")
        verdicts = fields.all("verdict")
        for verdict in verdicts where !["pass", "review", "fail", "error"].contains(verdict) {
            throw WebFailure(status: .badRequest, message: "verdict: expected pass, review, fail or error (got \(verdict))")
        }
        minScore = try Self.number(fields, "min")
        maxScore = try Self.number(fields, "max")
        defectClass = fields["class"]
        labelled = fields["labelled"]
        if let labelled, labelled != "yes", labelled != "no" {
            throw WebFailure(status: .badRequest, message: "labelled: expected yes or no (got \(labelled))")
        }
        if let text = fields["page"] {
            guard let page = Int(text), page >= 1, page <= 1_000_000 else {
                throw WebFailure(status: .badRequest, message: "page: expected a page number (got \(text))")
            }
            self.page = page
        }
        if let text = fields["size"] {
            guard let size = Int(text), (1...500).contains(size) else {
                throw WebFailure(status: .badRequest, message: "size: expected 1 to 500 rows per page (got \(text))")
            }
            self.size = size
        }
    }

    private static func number(_ fields: FormFields, _ key: String) throws -> Double? {
        guard let text = fields[key] else { return nil }
        guard let value = Double(text), value.isFinite else {
            throw WebFailure(status: .badRequest, message: "\(key): expected a score such as 0.5 (got \(text))")
        }
        return value
    }

    /// The store filter for this page.
    func filter(now: Date = Date()) throws -> BrowseFilter {
        var base = VerdictFilter(stations: stations, limit: size)
        do {
            base.since = try since.map { try TimeExpression.parse($0, now: now) }
            base.until = try until.map { try TimeExpression.parse($0, now: now) }
        } catch let error as TimeExpression.Invalid {
            throw WebFailure(status: .badRequest, message: "time: \(error.description)")
        }
        let decided = verdicts.compactMap(Verdict.init(rawValue:))
        if verdicts.contains("error") {
            if decided.isEmpty { base.states = [.error] } else { base.includeErrors = true }
        }
        base.verdicts = decided
        base.minScore = minScore
        return BrowseFilter(base: base, maxScore: maxScore, defectClass: defectClass,
                            labelled: labelled.map { $0 == "yes" }, offset: (page - 1) * size)
    }

    /// The query string of these filters, with `page` replaced.
    func queryString(page: Int? = nil) -> String {
        var parts: [String] = []
        func add(_ key: String, _ value: String?) {
            if let value { parts.append("\(key)=\(HTML.query(value))") }
        }
        add("since", since)
        add("until", until)
        for station in stations { add("station", station) }
        for verdict in verdicts { add("verdict", verdict) }
        add("min", minScore.map { "\($0)" })
        add("max", maxScore.map { "\($0)" })
        add("class", defectClass)
        add("labelled", labelled)
        if size != 50 { add("size", "\(size)") }
        let page = page ?? self.page
        if page != 1 { add("page", "\(page)") }
        return parts.joined(separator: "&")
    }
}
