import Inspection
import Foundation
import GRDB

extension VerdictStore {
    /// Turns recording into the fleet outbox on or off and sets its cap (the daemon calls
    /// this at start from `[fleet]`). Turning it off empties it: with no `[fleet]` nobody
    /// would ever drain it. A lower cap takes effect at the next change.
    public func configureOutbox(enabled: Bool, capacity: Int) throws {
        try requireWritable()
        guard capacity > 0 else {
            throw InspectionError.invalidSetting(name: "outbox_max_rows", value: "\(capacity)", reason: "must be at least 1")
        }
        try write { db in
            try db.execute(sql: "UPDATE fleet_outbox_settings SET enabled = ?, capacity = ? WHERE id = 1",
                           arguments: [enabled, capacity])
            if !enabled { try db.execute(sql: "DELETE FROM fleet_outbox") }
        }
    }

    /// Size, cap and counters for `inspectctl status`.
    public func outboxStatus() throws -> OutboxStatus {
        try read { db in
            let settings = try Row.fetchOne(db, sql: """
                SELECT enabled, capacity, dropped, shipped, last_shipped_at, last_error FROM fleet_outbox_settings WHERE id = 1
                """)
            let waiting = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS n, MIN(enqueued_at) AS oldest FROM fleet_outbox")
            return OutboxStatus(
                enabled: settings?["enabled"] ?? false, size: waiting?["n"] ?? 0, capacity: settings?["capacity"] ?? 0,
                dropped: settings?["dropped"] ?? 0, shipped: settings?["shipped"] ?? 0, oldest: waiting?["oldest"],
                lastShippedAt: settings?["last_shipped_at"], lastError: settings?["last_error"])
        }
    }

    /// The oldest `limit` entries with the current state of the rows they name, in one
    /// snapshot. Entries naming the same row all carry its newest state; the upsert makes
    /// shipping it more than once harmless.
    public func outboxBatch(limit: Int) throws -> [OutboxEntry] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT id, kind, local_id, enqueued_at FROM fleet_outbox ORDER BY id LIMIT ?",
                                        arguments: [max(1, limit)])
            return try rows.map { row in
                let text: String = row["kind"]
                guard let kind = OutboxEntry.Kind(rawValue: text) else {
                    throw StoreError.corrupt(path: path, reason: "outbox row \(row["id"] as Int64) has unknown kind '\(text)'")
                }
                var entry = OutboxEntry(id: row["id"], kind: kind, localID: row["local_id"], enqueuedAt: row["enqueued_at"],
                                        station: "", payload: nil, columns: OutboxColumns())
                try fillOutboxPayload(db, &entry)
                return entry
            }
        }
    }

    /// Removes entries the server has committed, and counts them as shipped.
    public func deleteOutbox(ids: [Int64], at time: Double) throws {
        guard !ids.isEmpty else { return }
        try write { db in
            for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
                try db.execute(sql: "DELETE FROM fleet_outbox WHERE id IN (\(chunk.map { _ in "?" }.joined(separator: ",")))",
                               arguments: StatementArguments(chunk))
            }
            try db.execute(sql: """
                UPDATE fleet_outbox_settings SET shipped = shipped + ?, last_shipped_at = ?, last_error = NULL WHERE id = 1
                """, arguments: [ids.count, time])
        }
    }

    /// Drops entries older than `time` (the age limit), counting them as dropped.
    @discardableResult
    public func pruneOutbox(olderThan time: Double) throws -> Int {
        try write { db in
            try db.execute(sql: "DELETE FROM fleet_outbox WHERE enqueued_at < ?", arguments: [time])
            let n = db.changesCount
            if n > 0 {
                try db.execute(sql: "UPDATE fleet_outbox_settings SET dropped = dropped + ? WHERE id = 1", arguments: [n])
            }
            return n
        }
    }

    /// Drops one entry the fleet server refuses for its content, counting it as dropped and
    /// keeping `reason` as the last error. The row itself stays in this file; only its copy
    /// in the fleet database is given up, so one bad entry cannot stop replication.
    public func rejectOutbox(id: Int64, reason: String) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM fleet_outbox WHERE id = ?", arguments: [id])
            guard db.changesCount > 0 else { return }
            try db.execute(sql: "UPDATE fleet_outbox_settings SET dropped = dropped + 1, last_error = ? WHERE id = 1",
                           arguments: [reason])
        }
    }

    /// Records why shipping failed, for `inspectctl status` (the caller strips credentials).
    public func recordOutboxError(_ message: String) throws {
        try write { db in
            try db.execute(sql: "UPDATE fleet_outbox_settings SET last_error = ? WHERE id = 1", arguments: [message])
        }
    }

    private func fillOutboxPayload(_ db: Database, _ entry: inout OutboxEntry) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        switch entry.kind {
        case .verdict:
            guard let row = try InspectionRow.fetchOne(db, key: entry.localID) else { return }
            let record = try row.record(path: path)
            entry.station = record.station
            entry.payload = String(decoding: try encoder.encode(record), as: UTF8.self)
            entry.columns.time = record.time
            entry.columns.state = record.state.rawValue
            entry.columns.verdict = record.verdict?.rawValue
            entry.columns.score = record.score.flatMap { $0.isFinite ? $0 : nil }
            entry.columns.contentHash = record.contentHash
            entry.columns.versionID = record.versionID
            entry.columns.afterState = record.afterState
            entry.columns.hasMap = try MapRow.exists(db, key: entry.localID)
        case .label:
            guard let row = try LabelRow.fetchOne(db, key: entry.localID) else { return }
            var label = try row.label(path: path)
            label.mask = nil
            entry.station = label.station ?? ""
            entry.payload = String(decoding: try encoder.encode(label), as: UTF8.self)
            entry.columns.time = label.createdAt
            entry.columns.state = label.kind.rawValue
            entry.columns.verdict = label.defectClass
            entry.columns.contentHash = label.contentHash
            entry.columns.versionID = label.inspectionID
            entry.columns.hasMap = row.mask != nil
            entry.columns.supersededAt = label.supersededAt
        case .version:
            guard let row = try ModelVersionRow.fetchOne(db, key: entry.localID) else { return }
            let version = FleetVersion(try row.record(path: path))
            entry.station = version.station
            entry.payload = String(decoding: try encoder.encode(version), as: UTF8.self)
            entry.columns.time = version.createdAt
            entry.columns.state = version.status
            entry.columns.verdict = version.decision
            entry.columns.contentHash = version.promptsHash
            entry.columns.versionID = version.parentID
        }
    }
}
