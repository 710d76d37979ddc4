import Inspection
import Foundation
import GRDB

extension VerdictStore {
    /// Asks for a retraining of `station`. A job already requested or running for it is
    /// returned instead of a second one.
    @discardableResult
    public func requestTraining(station: String, trigger: String, at time: Double) throws -> TrainingJob {
        try requireWritable()
        let id = try write { db -> Int64 in
            if let open = try Int64.fetchOne(db, sql: """
                SELECT id FROM training_jobs WHERE station = ? AND state IN ('requested', 'running') ORDER BY id LIMIT 1
                """, arguments: [station]) {
                return open
            }
            try TrainingJobRow(requestedFor: station, trigger: trigger, at: time).insert(db)
            return db.lastInsertedRowID
        }
        return try trainingJob(id: id)
    }

    /// One job; `notFound` for an unknown id.
    public func trainingJob(id: Int64) throws -> TrainingJob {
        let job = try read { db in
            try TrainingJobRow.fetchOne(db, key: id)?.job(path: path)
        }
        guard let job else { throw InspectionError.notFound(what: "training job", id: id) }
        return job
    }

    /// Jobs newest first; only unfinished ones when `open`.
    public func trainingJobs(open: Bool = false, limit: Int = 20) throws -> [TrainingJob] {
        typealias Columns = TrainingJobRow.CodingKeys
        var request = TrainingJobRow.all()
        if open {
            request = request.filter([TrainingJob.State.requested.rawValue, TrainingJob.State.running.rawValue]
                .contains(Columns.state))
        }
        request = request.order(Columns.id.desc).limit(max(0, limit))
        return try read { db in try request.fetchAll(db).map { try $0.job(path: path) } }
    }

    /// When `station` last finished a training job (any outcome), for the schedule.
    public func lastTrainingEnd(station: String) throws -> Double? {
        try read { db in
            try Double.fetchOne(db, sql: "SELECT max(finished_at) FROM training_jobs WHERE station = ?", arguments: [station])
        }
    }

    /// Marks a requested job as running in process `pid`.
    public func startTrainingJob(id: Int64, pid: Int32, at time: Double) throws {
        try updateJob(id, sql: "state = 'running', started_at = ?, pid = ?, phase = 'starting', progress_at = ?",
                      [time, pid, time], requireState: "requested")
    }

    /// Progress of a running job.
    public func updateTrainingProgress(id: Int64, phase: String, epoch: Int? = nil, epochs: Int? = nil, loss: Double? = nil,
                                       at time: Double) throws {
        try updateJob(id, sql: "phase = ?, epoch = coalesce(?, epoch), epochs = coalesce(?, epochs), loss = coalesce(?, loss), progress_at = ?",
                      [phase, epoch, epochs, Self.finite(loss), time], requireState: "running")
    }

    /// Ends a job (finished, failed or cancelled); `invalidSetting` when it has already ended
    /// (the first outcome recorded stands).
    public func finishTrainingJob(id: Int64, state: TrainingJob.State, candidateID: Int64? = nil, message: String,
                                  at time: Double) throws {
        guard state.isFinal else {
            throw InspectionError.invalidSetting(name: "state", value: state.rawValue, reason: "not a final job state")
        }
        try updateJob(id, sql: "state = ?, finished_at = ?, candidate_id = coalesce(?, candidate_id), message = ?, pid = NULL",
                      [state.rawValue, time, candidateID, message], requireState: nil)
    }

    /// Asks the open job of `station` (or job `id`) to stop; returns it, or nil when none is open.
    public func requestTrainingCancel(station: String? = nil, id: Int64? = nil, at time: Double) throws -> TrainingJob? {
        try requireWritable()
        let target = try read { db -> Int64? in
            if let id {
                return try Int64.fetchOne(db, sql: "SELECT id FROM training_jobs WHERE id = ? AND state IN ('requested', 'running')",
                                          arguments: [id])
            }
            var sql = "SELECT id FROM training_jobs WHERE state IN ('requested', 'running')"
            var arguments: StatementArguments = []
            if let station {
                sql += " AND station = ?"
                arguments += [station]
            }
            return try Int64.fetchOne(db, sql: sql + " ORDER BY id LIMIT 1", arguments: arguments)
        }
        guard let target else { return nil }
        try write { db in
            // A job nobody has started yet is simply cancelled.
            try db.execute(sql: """
                UPDATE training_jobs SET cancel_requested = 1,
                    state = CASE state WHEN 'requested' THEN 'cancelled' ELSE state END,
                    finished_at = CASE state WHEN 'requested' THEN ? ELSE finished_at END,
                    message = CASE state WHEN 'requested' THEN 'cancelled before it started' ELSE message END
                WHERE id = ?
                """, arguments: [time, target])
        }
        return try trainingJob(id: target)
    }

    private func updateJob(_ id: Int64, sql: String, _ arguments: StatementArguments, requireState: String?) throws {
        try requireWritable()
        try write { db in
            var statement = "UPDATE training_jobs SET \(sql) WHERE id = ?"
            var all = arguments + [id]
            if let requireState {
                statement += " AND state = ?"
                all += [requireState]
            } else {
                statement += " AND state IN ('requested', 'running')"
            }
            try db.execute(sql: statement, arguments: all)
            if db.changesCount == 0 {
                let state = try String.fetchOne(db, sql: "SELECT state FROM training_jobs WHERE id = ?", arguments: [id])
                guard let state else { throw InspectionError.notFound(what: "training job", id: id) }
                throw InspectionError.invalidSetting(name: "training job \(id)", value: state,
                                                     reason: "cannot change a job in this state")
            }
        }
    }
}
