import Foundation
import Inspection
import Store
import Testing

/// `inspectctl retrain`: requests and cancellations land in `training_jobs`, where the
/// daemon picks them up; `--status` shows what the daemon reported.
@Suite struct RetrainCommandTests {
    @Test func nowRequestsOneJobAndReusesIt() throws {
        let fx = try ModelFixture.standard()
        let ambiguous = try fx.ctl(["retrain", "--now"])
        #expect(ambiguous.status == 64 && ambiguous.stderr.contains("--station: required when several stations are known"),
                "\(ambiguous)")
        #expect(try fx.store.trainingJobs().isEmpty)

        let first = try fx.ctl(["retrain", "--now", "--station", "line-1"])
        #expect(first.status == 0, "\(first)")
        let job = try #require(try fx.store.trainingJobs().first)
        #expect(first.stdout.contains("training job \(job.id) requested for station line-1; the daemon starts it within a few seconds"),
                "\(first.stdout)")
        #expect(job.station == "line-1" && job.trigger == "manual" && job.state == .requested)

        let second = try fx.ctl(["retrain", "--now", "--station", "line-1"])
        #expect(second.status == 0 && second.stdout.contains("already has training job \(job.id) (requested"), "\(second)")
        #expect(try fx.store.trainingJobs().count == 1)

        let unknown = try fx.ctl(["retrain", "--now", "--station", "line-9"])
        #expect(unknown.status == 1 && unknown.stderr.contains("unknown station 'line-9' (known: line-1, press-2)"), "\(unknown)")
        #expect(try fx.store.trainingJobs().count == 1)
    }

    @Test func singleKnownStationNeedsNoFlag() throws {
        let fx = try ModelFixture()
        try fx.insert(ModelVersionRecord(station: "solo", base: ModelFixture.base, status: .active, source: .configured,
                                         createdAt: ModelFixture.t0))
        let result = try fx.ctl(["retrain", "--now", "--format", "json"])
        #expect(result.status == 0, "\(result)")
        let object = try QueryFixture.jsonObject(result.stdout)
        #expect(object["station"] as? String == "solo" && object["state"] as? String == "requested")
        #expect(try fx.store.trainingJobs().map(\.station) == ["solo"])

        let none = try ModelFixture().ctl(["retrain", "--now"])
        #expect(none.status == 64 && none.stderr.contains("--station: required (no station has"), "\(none)")
    }

    @Test func statusListsJobsNewestFirst() throws {
        let fx = try ModelFixture.standard()
        let t0 = ModelFixture.t0
        let old = try fx.store.requestTraining(station: "line-1", trigger: "labels", at: t0)
        try fx.store.startTrainingJob(id: old.id, pid: 4242, at: t0 + 10)
        try fx.store.finishTrainingJob(id: old.id, state: .finished, candidateID: 3, message: "candidate 3 promoted", at: t0 + 310)
        let running = try fx.store.requestTraining(station: "press-2", trigger: "schedule", at: t0 + 400)
        try fx.store.startTrainingJob(id: running.id, pid: 4343, at: t0 + 410)
        try fx.store.updateTrainingProgress(id: running.id, phase: "training", epoch: 3, epochs: 10, loss: 0.25, at: t0 + 500)

        let table = try fx.ctl(["retrain"])
        #expect(table.status == 0, "\(table)")
        #expect(table.lines.first?.hasPrefix("ID") == true && table.lines.last == "2 job(s)", "\(table.stdout)")
        let rows = Array(table.lines.dropFirst().dropLast())
        #expect(rows.map { $0.prefix(while: { $0 != " " }) } == ["\(running.id)", "\(old.id)"])
        for part in ["press-2", "schedule", "running", "training", "3/10", "0.2500", "2023-11-14 22:20:10"] {
            #expect(rows[0].contains(part), "\(part): \(rows[0])")
        }
        for part in ["labels", "finished", "5m00s", " 3 ", "candidate 3 promoted"] {
            #expect(rows[1].contains(part), "\(part): \(rows[1])")
        }

        let json = try fx.ctl(["retrain", "--status", "--format", "json"])
        #expect(json.status == 0, "\(json)")
        let jobs = try ModelFixture.jsonArray(json.stdout)
        #expect(jobs.map { $0["state"] as? String } == ["running", "finished"])
        #expect(jobs[0]["epoch"] as? Int == 3 && jobs[0]["epochs"] as? Int == 10 && jobs[0]["loss"] as? Double == 0.25)
        #expect(jobs[0]["phase"] as? String == "training" && jobs[0]["pid"] as? Int == 4343)
        #expect(jobs[0]["finished_at"] is NSNull && jobs[0]["cancel_requested"] as? Bool == false)
        #expect(jobs[1]["candidate_id"] as? Int == 3 && jobs[1]["elapsed_seconds"] as? Double == 300)
        #expect(jobs[1]["started_at"] as? String == TimeExpression.iso(t0 + 10))

        let filtered = try ModelFixture.jsonArray(try fx.ctl(["retrain", "--station", "line-1", "-o", "json"]).stdout)
        #expect(filtered.map { $0["station"] as? String } == ["line-1"])
    }

    @Test func cancelStopsTheOpenJob() throws {
        let fx = try ModelFixture.standard()
        let requested = try fx.store.requestTraining(station: "line-1", trigger: "manual", at: ModelFixture.t0)
        let cancelled = try fx.ctl(["retrain", "--cancel", "--station", "line-1"])
        #expect(cancelled.status == 0, "\(cancelled)")
        #expect(cancelled.stdout.contains("training job \(requested.id) (station line-1) cancelled before it started"),
                "\(cancelled.stdout)")
        let stored = try fx.store.trainingJob(id: requested.id)
        #expect(stored.state == .cancelled && stored.cancelRequested && stored.finishedAt != nil)

        let none = try fx.ctl(["retrain", "--cancel", "--station", "line-1"])
        #expect(none.status == 1, "\(none)")
        #expect(none.stderr.contains("no requested or running training job for station line-1; nothing to cancel"), "\(none.stderr)")
        let noneAtAll = try fx.ctl(["retrain", "--cancel"])
        #expect(noneAtAll.status == 1 && noneAtAll.stderr.contains("nothing to cancel"), "\(noneAtAll)")

        // A running job is asked to stop; the daemon ends it.
        let running = try fx.store.requestTraining(station: "press-2", trigger: "labels", at: ModelFixture.t0 + 100)
        try fx.store.startTrainingJob(id: running.id, pid: 99, at: ModelFixture.t0 + 110)
        let stop = try fx.ctl(["retrain", "--cancel"])
        #expect(stop.status == 0 && stop.stdout.contains("asked training job \(running.id) (station press-2, running"), "\(stop)")
        let flagged = try fx.store.trainingJob(id: running.id)
        #expect(flagged.state == .running && flagged.cancelRequested)
        let status = try fx.ctl(["retrain"])
        #expect(status.lines.contains { $0.hasPrefix("\(running.id) ") && $0.contains("cancelling") }, "\(status)")
    }

    @Test func cancelWithoutStationRefusesToGuess() throws {
        let fx = try ModelFixture.standard()
        _ = try fx.store.requestTraining(station: "line-1", trigger: "manual", at: ModelFixture.t0)
        _ = try fx.store.requestTraining(station: "press-2", trigger: "manual", at: ModelFixture.t0)
        let result = try fx.ctl(["retrain", "--cancel"])
        #expect(result.status == 64 && result.stderr.contains("several stations have open jobs (line-1, press-2)"), "\(result)")
        #expect(try fx.store.trainingJobs(open: true).count == 2)

        let both = try fx.ctl(["retrain", "--now", "--cancel"])
        #expect(both.status == 64, "\(both)")
    }
}
