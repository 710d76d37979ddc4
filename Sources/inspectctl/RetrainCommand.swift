import ArgumentParser
import Foundation
import Inspection
import Store

/// `inspectctl retrain`: asks the daemon for a retraining job, cancels one, or shows recent
/// jobs. The CLI only writes requests into the log; inspectd polls it every few seconds and
/// runs, stops and reports the jobs, so this works the same whether or not QA is at the PC.
struct RetrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrain",
        abstract: "Request, cancel or show retraining jobs (prompt tuning on the station's labels).",
        usage: """
            inspectctl retrain [--status] [--station <name>] [--format table|json]
            inspectctl retrain --now [--station <name>]
            inspectctl retrain --cancel [--station <name>]
            """,
        discussion: """
            --now queues a job for the station (one already requested or running is reused); inspectd starts it \
            within a few seconds and stores its result as a candidate model version (see 'inspectctl model list'). \
            --station is needed when more than one station is known. --cancel stops the station's open job: a \
            requested job is cancelled at once, a running one at the daemon's next poll.
            Exit status: 0 done, 1 nothing to cancel or unknown station, 3 database missing, 4 database locked, \
            5 other database error, 64 bad flags.
            """)

    /// What one invocation does.
    enum Action: String, EnumerableFlag {
        case status, now, cancel

        static func help(for value: Action) -> ArgumentHelp? {
            switch value {
            case .status: return "Show recent jobs, newest first (the default)."
            case .now: return "Request a retraining job now."
            case .cancel: return "Cancel the station's requested or running job."
            }
        }
    }

    @OptionGroup var store: StoreOptions

    @Flag(exclusivity: .exclusive) var action: Action = .status

    @Option(help: ArgumentHelp("Station to retrain, cancel or list.", valueName: "name"))
    var station: String?

    @Option(name: [.customLong("format"), .customShort("o")], help: "table or json.")
    var format: ListFormat = .table

    @Option(help: "With --status: at most this many jobs.")
    var limit: Int = 20

    func validate() throws {
        if let station, station.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--station: must not be empty")
        }
        guard limit > 0 else { throw ValidationError("--limit: must be at least 1 (got \(limit))") }
    }

    func run() throws {
        try reportingFailures {
            switch action {
            case .status: try showStatus()
            case .now: try requestNow()
            case .cancel: try cancel()
            }
        }
    }

    private func showStatus() throws {
        let db = try store.open()
        // The store lists all stations; filtering here keeps --limit per station.
        let jobs = try db.trainingJobs(limit: station == nil ? limit : 10_000)
            .filter { station == nil || $0.station == station }.prefix(limit)
        let now = Date().timeIntervalSince1970
        switch format {
        case .json:
            print(VersionPrinter.jsonArray(jobs.map { TrainingJobPrinter.dictionary($0, now: now) }))
        case .table:
            print(TrainingJobPrinter.header())
            jobs.forEach { print(TrainingJobPrinter.row($0, now: now)) }
            print("\(jobs.count) job(s)")
        }
    }

    private func requestNow() throws {
        let db = try store.openForWriting()
        let target = try KnownStations.resolve(station, store: db, configPath: store.config)
        let now = Date().timeIntervalSince1970
        let job = try db.requestTraining(station: target, trigger: "manual", at: now)
        if format == .json {
            print(RecordFormatter.json(TrainingJobPrinter.dictionary(job, now: now)))
            return
        }
        if job.requestedAt == now && job.state == .requested {
            print("training job \(job.id) requested for station \(target); the daemon starts it within a few seconds")
        } else {
            print("station \(target) already has training job \(job.id) (\(TrainingJobPrinter.summary(job)), "
                  + "\(job.trigger), requested \(TimeExpression.format(job.requestedAt))); no second job requested")
        }
        print("follow it with: inspectctl retrain --status" + (station == nil ? "" : " --station \(target)"))
    }

    private func cancel() throws {
        let db = try store.openForWriting()
        if station == nil {
            // Without --station, refuse to guess between stations that both have an open job.
            let open = Set(try db.trainingJobs(open: true, limit: 10_000).map(\.station)).sorted()
            if open.count > 1 {
                throw ValidationError("--station: required, several stations have open jobs (\(open.joined(separator: ", ")))")
            }
        }
        guard let job = try db.requestTrainingCancel(station: station, at: Date().timeIntervalSince1970) else {
            throw CLIFailure(CommandError("no requested or running training job" + (station.map { " for station \($0)" } ?? "")
                                          + "; nothing to cancel"))
        }
        if format == .json {
            print(RecordFormatter.json(TrainingJobPrinter.dictionary(job, now: Date().timeIntervalSince1970)))
        } else if job.state == .cancelled {
            print("training job \(job.id) (station \(job.station)) cancelled before it started")
        } else {
            print("asked training job \(job.id) (station \(job.station), \(TrainingJobPrinter.summary(job))) to stop; "
                  + "the daemon stops it within a few seconds")
        }
    }
}
