import Foundation
import GRDB
import Inspection

extension VerdictStore {
    /// Content whose evidence retention never drops: every labelled content (current or
    /// superseded: labels are never deleted) and the content of every label an active or
    /// candidate model version was fitted or held out on.
    static let protectedEvidenceSQL = """
        SELECT content_hash FROM labels
        UNION
        SELECT labels.content_hash FROM model_versions
            JOIN json_each(model_versions.training_label_ids) AS used
            JOIN labels ON labels.id = used.value
            WHERE model_versions.status IN ('active', 'candidate')
        UNION
        SELECT labels.content_hash FROM model_versions
            JOIN json_each(model_versions.heldout_label_ids) AS used
            JOIN labels ON labels.id = used.value
            WHERE model_versions.status IN ('active', 'candidate')
        """

    /// Records that the bytes of `contentHash` are in the evidence folder. A content kept for a
    /// verdict and labelled later becomes `labelled`; the first keep time stays.
    public func recordEvidence(contentHash: String, bytes: Int, reason: EvidenceReason, storedAs: EvidenceStore.Kept,
                               at time: Double) throws {
        let stored = storedAs == .link ? "link" : "copy"
        try write { db in
            try db.execute(sql: """
                INSERT INTO evidence (content_hash, bytes, reason, stored_as, kept_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (content_hash) DO UPDATE SET
                    reason = CASE WHEN excluded.reason = 'labelled' THEN 'labelled' ELSE evidence.reason END
                """, arguments: [contentHash, bytes, reason.rawValue, stored, time])
        }
    }

    /// Files and bytes the evidence folder holds according to the database.
    public func evidenceTotals() throws -> (files: Int, bytes: Int) {
        try read { db in
            let row = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM evidence")
            return (row?["n"] ?? 0, row?["b"] ?? 0)
        }
    }

    /// The content hashes retention must keep (see `protectedEvidenceSQL`).
    public func protectedEvidence() throws -> Set<String> {
        try read { db in Set(try String.fetchAll(db, sql: Self.protectedEvidenceSQL)) }
    }

    /// What one pass of evidence retention did.
    public struct EvidencePruning: Sendable, Equatable {
        /// Entries removed (file and row).
        public var removed = 0
        /// Bytes they held.
        public var freedBytes = 0
        /// Bytes still kept.
        public var keptBytes = 0
        /// Of those, bytes no rule may remove (labelled, or used by an active/candidate version).
        public var protectedBytes = 0
        /// True when the pass stopped at `limit` with more to remove (run it again soon).
        public var more = false
    }

    /// Removes unprotected evidence kept before `maxDays`, then the oldest unprotected entries
    /// until the folder is within `maxBytes` — at most `limit` entries per pass, so one pass
    /// stays short. Protected content is never removed, even over the cap (`protectedBytes`
    /// says how much of the cap it takes). File and row go in one write transaction: a crash
    /// in between leaves a row without a file, which the next pass drops.
    public func pruneEvidence(_ evidence: EvidenceStore, maxBytes: Int?, maxDays: Double?, now: Double,
                              limit: Int = 1000) throws -> EvidencePruning {
        var result = EvidencePruning()
        let unprotected = "SELECT content_hash, bytes FROM evidence WHERE content_hash NOT IN (\(Self.protectedEvidenceSQL))"
        var victims = [(hash: String, bytes: Int)]()
        try read { db in
            if let maxDays {
                let rows = try Row.fetchAll(db, sql: unprotected + " AND kept_at < ? ORDER BY kept_at LIMIT ?",
                                            arguments: [now - maxDays * 86400, limit + 1])
                victims = rows.map { ($0["content_hash"], $0["bytes"]) }
            }
            let total: Int = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(bytes), 0) FROM evidence") ?? 0
            var left = total - victims.reduce(0) { $0 + $1.bytes }
            if let maxBytes, left > maxBytes, victims.count <= limit {
                let taken = Set(victims.map(\.hash))
                let rows = try Row.fetchAll(db, sql: unprotected + " ORDER BY kept_at LIMIT ?",
                                            arguments: [limit + 1 + taken.count])
                for row in rows where left > maxBytes {
                    let hash: String = row["content_hash"]
                    guard !taken.contains(hash) else { continue }
                    victims.append((hash, row["bytes"]))
                    left -= row["bytes"] as Int
                }
            }
        }
        if victims.count > limit {
            victims = Array(victims.prefix(limit))
            result.more = true
        }
        // Removal holds the write lock and checks protection again, so a label committed since
        // the victims were chosen keeps its image; one committed just after finds it gone and
        // keeps its bytes again (inspectctl still holds them).
        try write { db in
            let protected = Set(try String.fetchAll(db, sql: Self.protectedEvidenceSQL))
            for victim in victims where !protected.contains(victim.hash) {
                evidence.remove(victim.hash)
                try db.execute(sql: "DELETE FROM evidence WHERE content_hash = ?", arguments: [victim.hash])
                result.removed += 1
                result.freedBytes += victim.bytes
            }
        }
        try read { db in
            result.keptBytes = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(bytes), 0) FROM evidence") ?? 0
            result.protectedBytes = try Int.fetchOne(db, sql: """
                SELECT COALESCE(SUM(bytes), 0) FROM evidence WHERE content_hash IN (\(Self.protectedEvidenceSQL))
                """) ?? 0
        }
        return result
    }
}
