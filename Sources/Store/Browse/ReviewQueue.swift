import Foundation
import GRDB
import Inspection

/// The images that most need a human, one at a time: unlabelled review-band verdicts first
/// (newest first, what the line is unsure of now), then unlabelled verdicts whose defect
/// classifier was least sure, then a random unlabelled pass as an audit sample (a model that
/// passes defects is only caught by looking at passes). Nothing is reserved: a label makes
/// the image drop out of every tier, so two reviewers at worst label the same image twice.
public struct ReviewQueue: Sendable {
    /// Why an image was served.
    public enum Tier: String, Sendable, CaseIterable {
        case reviewBand = "review band"
        case unsureClass = "classifier unsure"
        case audit = "audit sample of passes"
    }

    /// One served image.
    public struct Item: Sendable {
        public let record: InspectionRecord
        public let tier: Tier
    }

    public var station: String?
    /// Ids the reviewer skipped in this session.
    public var skip: [Int64]

    public init(station: String? = nil, skip: [Int64] = []) {
        self.station = station
        self.skip = skip
    }

    private static let unlabelled = "NOT EXISTS (SELECT 1 FROM labels WHERE labels.content_hash = "
        + "inspections.content_hash AND labels.superseded_at IS NULL)"

    /// The next image, or nil when every tier is empty. `random` picks the audit sample.
    public func next(in store: VerdictStore, random: Double = Double.random(in: 0..<1)) throws -> Item? {
        for tier in Tier.allCases {
            if let record = try first(tier, in: store, random: random) { return Item(record: record, tier: tier) }
        }
        return nil
    }

    /// How many unlabelled images each tier holds (audit: every unlabelled pass).
    public func remaining(in store: VerdictStore) throws -> [Tier: Int] {
        var result: [Tier: Int] = [:]
        for tier in Tier.allCases {
            let (sql, arguments) = condition(tier)
            result[tier] = try store.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inspections WHERE \(sql)", arguments: arguments) ?? 0
            }
        }
        return result
    }

    private func condition(_ tier: Tier) -> (String, StatementArguments) {
        var clauses = ["state = 'done'", Self.unlabelled]
        var arguments: [(any DatabaseValueConvertible)?] = []
        switch tier {
        case .reviewBand: clauses.append("verdict = 'review'")
        case .unsureClass: clauses.append("verdict != 'review' AND defect_probability IS NOT NULL")
        case .audit: clauses.append("verdict = 'pass'")
        }
        if let station {
            clauses.append("station = ?")
            arguments.append(station)
        }
        if !skip.isEmpty {
            clauses.append("id NOT IN (\(Array(repeating: "?", count: skip.count).joined(separator: ", ")))")
            arguments += skip.map { $0 as (any DatabaseValueConvertible)? }
        }
        return (clauses.joined(separator: " AND "), StatementArguments(arguments))
    }

    private func first(_ tier: Tier, in store: VerdictStore, random: Double) throws -> InspectionRecord? {
        let (sql, arguments) = condition(tier)
        return try store.read { db in
            let row: InspectionRow?
            switch tier {
            case .reviewBand:
                row = try InspectionRow.fetchOne(db, sql: "SELECT * FROM inspections WHERE \(sql) ORDER BY id DESC LIMIT 1",
                                                 arguments: arguments)
            case .unsureClass:
                row = try InspectionRow.fetchOne(
                    db, sql: "SELECT * FROM inspections WHERE \(sql) ORDER BY defect_probability, id DESC LIMIT 1",
                    arguments: arguments)
            case .audit:
                // A random point in the id range, then the first match at or after it (else
                // before it): an index walk instead of sorting every pass by random().
                let bounds = try Row.fetchOne(db, sql: "SELECT MIN(id) AS lo, MAX(id) AS hi FROM inspections")
                let lo: Int64 = bounds?["lo"] ?? 0
                let hi: Int64 = bounds?["hi"] ?? 0
                let pivot = lo + Int64((Double(max(hi - lo, 0)) * min(max(random, 0), 1)).rounded(.down))
                row = try InspectionRow.fetchOne(
                    db, sql: "SELECT * FROM inspections WHERE \(sql) AND id >= ? ORDER BY id LIMIT 1",
                    arguments: arguments + [pivot])
                    ?? InspectionRow.fetchOne(
                        db, sql: "SELECT * FROM inspections WHERE \(sql) AND id < ? ORDER BY id DESC LIMIT 1",
                        arguments: arguments + [pivot])
            }
            return try row.map { try $0.record(path: store.path) }
        }
    }
}
