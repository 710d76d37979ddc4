import GRDB
import Inspection

extension VerdictStore {
    /// The station's fit row, if it ever had one.
    public func fewShotFit(station: String) throws -> FewShotFit? {
        try read { db in try FewShotFitRow.fetchOne(db, key: station)?.fit(path: path) }
    }

    /// Every station's fit row, by station.
    public func fewShotFits() throws -> [FewShotFit] {
        try read { db in
            try FewShotFitRow.order(FewShotFitRow.CodingKeys.station).fetchAll(db).map { try $0.fit(path: path) }
        }
    }

    /// Records the start of a fit of `key`: attempt 1 for a new key or after one that was
    /// done, else the unfinished (running or failed) key's count plus one. Returns the row.
    @discardableResult
    public func beginFewShotFit(station: String, key: String, totalLabels: Int, totalImages: Int,
                                at time: Double) throws -> FewShotFit {
        try write { db in
            let previous = try FewShotFitRow.fetchOne(db, key: station)
            var attempts = 1
            if let previous, previous.fitKey == key, previous.state != FewShotFit.State.done.rawValue {
                attempts = previous.attempts + 1
            }
            let fit = FewShotFit(station: station, key: key, state: .running, attempts: attempts, startedAt: time,
                                 totalLabels: totalLabels, totalImages: totalImages)
            try FewShotFitRow(fit).insert(db, onConflict: .replace)
            return fit
        }
    }

    /// Images encoded so far by the running fit of `station`.
    public func updateFewShotFitProgress(station: String, doneImages: Int) throws {
        try write { db in
            try db.execute(sql: "UPDATE fewshot_fits SET done_images = ? WHERE station = ? AND state = 'running'",
                           arguments: [doneImages, station])
        }
    }

    /// Ends the running fit of `station` as `done` (succeeded) or `failed`.
    public func finishFewShotFit(station: String, succeeded: Bool, message: String, at time: Double) throws {
        let state: FewShotFit.State = succeeded ? .done : .failed
        try write { db in
            try db.execute(sql: """
                UPDATE fewshot_fits SET state = ?, finished_at = ?, message = ?,
                    done_images = CASE WHEN ? THEN total_images ELSE done_images END
                WHERE station = ? AND state = 'running'
                """, arguments: [state.rawValue, time, message, succeeded, station])
        }
    }

    /// Paths of the newest finished images of `station` judged `fail` that carry no current
    /// label, newest first, at most `limit`: the unlabelled window of the zero-shot refinement.
    public func recentUnlabelledFailures(station: String, limit: Int) throws -> [String] {
        guard limit > 0 else { return [] }
        return try read { db in
            try String.fetchAll(db, sql: """
                SELECT i.path FROM inspections i
                WHERE i.station = ? AND i.state = 'done' AND i.verdict = 'fail'
                  AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.content_hash = i.content_hash AND l.superseded_at IS NULL)
                ORDER BY i.finished_at DESC, i.id DESC LIMIT ?
                """, arguments: [station, limit])
        }
    }
}

extension VerdictStore {
    /// Removes the running fit row of `station`: a fit the daemon stopped on purpose (clean
    /// stop, reload, replaced), which must not count as a failed attempt.
    public func abandonFewShotFit(station: String) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM fewshot_fits WHERE station = ? AND state = 'running'", arguments: [station])
        }
    }
}
