import Engine
import Foundation
import Inspection
import Logging

/// Runs one station's few-shot fit at a time on a background thread, so the event loop keeps
/// scoring and pinging the watchdog while every labelled image is encoded (0.65 s a label on
/// ViT-B/16, ~18 s on ViT-L/14 at 518 px).
///
/// A thread rather than the idle worker process retraining uses: the fit needs the same
/// weights the daemon already holds (a second process would load and convert the checkpoint
/// again, 1.7 GB of Float32 for ViT-L/14), and its result is a handful of Swift values the
/// loop installs directly. It is kept from the scoring thread's way by:
/// - **its own inspector** (built by the worker), so no encoder workspace or scratch buffer is
///   shared with the inspector that scores images;
/// - **one engine worker** (`ComputeBudget.withThreadLimit(threads)`), so products and
///   attention run on the fit thread itself instead of taking the scoring thread's workers;
/// - **nice 10** on its own thread id: an image that arrives pre-empts the fit, but unlike
///   `SCHED_IDLE` the fit still advances on a machine that is never idle.
///
/// The worker never touches the database: the loop reads the job's labels before and writes
/// the version after (`StationRegistry`). Cancelling is checked after every image.
final class FewShotFitter: @unchecked Sendable {
    /// A fit that ended (successfully, with an error, or cancelled).
    struct Finished {
        let job: FewShotFitJob
        let result: Result<VersionLoader.FitOutput, Error>
    }

    /// Engine workers of the fit thread.
    let threads: Int
    /// Nice value of the fit thread.
    let niceness: Int32
    private let logger: Logger
    private let work: @Sendable (FewShotFitJob, (Int, Int) throws -> Void) throws -> VersionLoader.FitOutput
    private let lock = NSLock()
    private var running: FewShotFitJob?
    private var doneImages = 0
    private var cancelled = false
    private var finished = [Finished]()

    /// `work` runs the fit on the worker thread, calling its progress closure after each image.
    init(threads: Int = 1, niceness: Int32 = 10, logger: Logger,
         work: @escaping @Sendable (FewShotFitJob, (Int, Int) throws -> Void) throws -> VersionLoader.FitOutput) {
        self.threads = threads
        self.niceness = niceness
        self.logger = logger
        self.work = work
    }

    /// True while a worker thread runs (also while a cancelled one finishes its image).
    var isBusy: Bool { lock.withLock { running != nil } }

    /// The job on the worker thread and the images it has encoded.
    var progress: (job: FewShotFitJob, doneImages: Int)? {
        lock.withLock { running.map { ($0, doneImages) } }
    }

    /// Starts `job` on a new worker thread; the caller checks `isBusy` first.
    func start(_ job: FewShotFitJob) {
        lock.withLock {
            running = job
            doneImages = 0
            cancelled = false
        }
        let thread = Thread { [self] in run(job) }
        thread.name = "inspectd-fit"
        thread.stackSize = 16 << 20
        thread.start()
    }

    /// Asks the running fit to stop after its current image; it then finishes as cancelled.
    func cancel() {
        lock.withLock { cancelled = true }
    }

    /// Fits that ended since the last call, oldest first.
    func collect() -> [Finished] {
        lock.withLock {
            defer { finished.removeAll() }
            return finished
        }
    }

    private func run(_ job: FewShotFitJob) {
        let priority = ProcessPriority.lowerCurrentThread(niceness: niceness)
        logger.info("few-shot fit started", metadata: [
            "inspection.station": "\(job.station)", "fewshot.labels": "\(job.images.count)",
            "fewshot.unlabelled": "\(job.unlabelled.count)", "fit.priority": "\(priority)",
            "fit.threads": "\(threads)",
        ])
        let result = Result {
            try ComputeBudget.withThreadLimit(threads) {
                try work(job) { done, _ in try self.advance(done, station: job.station) }
            }
        }
        lock.withLock {
            running = nil
            finished.append(Finished(job: job, result: result))
        }
    }

    private func advance(_ done: Int, station: String) throws {
        try lock.withLock {
            doneImages = done
            if cancelled { throw DaemonError.fitCancelled(station: station) }
        }
    }
}
