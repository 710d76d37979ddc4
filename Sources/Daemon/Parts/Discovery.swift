import Config
import Foundation
import Inspection
import Logging
import Store
#if canImport(Glibc)
import Glibc
#endif

/// Turns files in the station folders into rows of the durable queue: reads inotify events,
/// scans the folders (at start-up, after an overflow, on reload, and again later when a
/// scan failed), and holds back scanned files until they have stopped changing — a scan
/// cannot see whether a writer still has a file open, a completed inotify event can.
final class Discovery {
    private let store: VerdictStore
    private let clock: DaemonClock
    private let logger: Logger
    /// The configured station of that name; nil for removed stations, whose files are ignored.
    private let station: (String) -> StationConfiguration?
    /// Called for a file whose content already has a finished row: its after-processing
    /// action did not happen before a crash, so it happens now.
    private let leftover: (ReadyFile, InspectionRecord) -> Void
    /// How long a scanned file must be unmodified before it is read.
    let settleSeconds: Double
    /// How long to wait before a failed rescan (missing station folder) is tried again.
    let rescanRetrySeconds: Double
    /// The folders' watcher; replaced on reload.
    var watcher: FolderWatcher?
    /// Files a scan found still changing, recorded once their mtime has been stable.
    private var unsettled: Set<ReadyFile> = []
    private var rescanDue: Double?
    /// Seconds between rescans while some folder cannot be watched (`rescan_interval`).
    var pollInterval: Double = 30
    private var nextPollScan: Double?
    /// Where storage faults go; a file that cannot be recorded meanwhile is found by the
    /// rescan that follows recovery.
    var health: StoreHealth?
    /// Folders already reported as unwatched, so each is warned about once.
    private var reportedUnwatched: Set<String> = []

    init(store: VerdictStore, clock: DaemonClock, logger: Logger, settleSeconds: Double = 2,
         rescanRetrySeconds: Double = 10, station: @escaping (String) -> StationConfiguration?,
         leftover: @escaping (ReadyFile, InspectionRecord) -> Void) {
        self.store = store
        self.clock = clock
        self.logger = logger
        self.settleSeconds = settleSeconds
        self.rescanRetrySeconds = rescanRetrySeconds
        self.station = station
        self.leftover = leftover
    }

    /// Whether scanned files are waiting to settle (the loop then polls more often).
    var hasUnsettled: Bool { !unsettled.isEmpty }

    /// Handles everything inotify reported since the last call.
    func drainEvents() throws {
        guard let watcher else { return }
        for event in try watcher.readEvents() {
            switch event {
            case let .ready(file):
                discover(file)
            case let .found(file):
                discover(file, fromScan: true)
            case .overflow:
                logger.warning("inotify reported lost events (queue overflow or a station folder went away); rescanning")
                scanOrRetry(reason: "overflow")
            }
        }
    }

    /// Scans every station folder. Throws when a folder cannot be read.
    func scanAll(reason: String) throws {
        guard let watcher else { return }
        let files = try watcher.scan()
        for file in files { discover(file, fromScan: true) }
        logger.info("scanned folders", metadata: ["scan.reason": "\(reason)", "scan.files": "\(files.count)",
                                                  "scan.unsettled": "\(unsettled.count)"])
    }

    /// A scan whose failure (a vanished station folder) must not stop the other stations:
    /// it is retried after `rescanRetrySeconds`.
    func scanOrRetry(reason: String) {
        do {
            try scanAll(reason: reason)
        } catch {
            logger.error("rescan failed, will retry: \(error)")
            rescanDue = clock.monotonic + rescanRetrySeconds
        }
    }

    /// Runs a rescan that failed earlier, once it is due, and the periodic rescan that
    /// stands in for inotify on folders that could not be watched.
    func retryRescanIfDue() {
        if let due = rescanDue, clock.monotonic >= due {
            rescanDue = nil
            scanOrRetry(reason: "retry")
        }
        noteUnwatched()
        guard let watcher, !watcher.unwatched.isEmpty else {
            nextPollScan = nil
            return
        }
        let now = clock.monotonic
        guard let due = nextPollScan else {
            nextPollScan = now + pollInterval
            return
        }
        if now >= due {
            nextPollScan = now + pollInterval
            scanOrRetry(reason: "unwatched folders")
            noteUnwatched()
        }
    }

    /// Folders under periodic rescans, for the status line (nil when inotify covers all).
    var unwatchedSummary: String? {
        guard let unwatched = watcher?.unwatched, let reason = unwatched.values.sorted().first else { return nil }
        return "\(unwatched.count) folder\(unwatched.count == 1 ? "" : "s") rescanned every \(Int(pollInterval)) s (\(reason))"
    }

    /// Warns once for each folder that newly could not be watched.
    private func noteUnwatched() {
        guard let unwatched = watcher?.unwatched else { return }
        for (folder, reason) in unwatched.sorted(by: { $0.key < $1.key }) where !reportedUnwatched.contains(folder) {
            logger.warning("cannot watch folder; rescanning it every \(Int(pollInterval)) s instead: \(reason)",
                           metadata: ["watch.folder": "\(folder)"])
        }
        reportedUnwatched = Set(unwatched.keys)
    }

    /// Records scanned files whose mtime has not moved for `settleSeconds`.
    func recheckUnsettled() {
        guard !unsettled.isEmpty else { return }
        let waiting = unsettled
        unsettled = []
        for file in waiting { discover(file, fromScan: true) }
    }

    /// Records a ready file in the queue (once per content). A file already verdicted whose
    /// after-processing did not happen (crash in between) gets it now.
    func discover(_ file: ReadyFile, fromScan: Bool = false) {
        guard let station = station(file.station) else { return }
        // While the store is failing, each write would wait out the busy timeout; the rescan
        // after recovery finds this file instead.
        guard health?.fault == nil else { return }
        var info = stat()
        guard lstat(file.path, &info) == 0 else { return }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG || kind == S_IFLNK else { return }
        let size = Int64(info.st_size)
        let mtime = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) * 1e-9
        if fromScan && clock.now - mtime < settleSeconds {
            unsettled.insert(file)
            return
        }
        if !fromScan { unsettled.remove(file) }
        do {
            if let known = try store.latestFingerprint(station: file.station, path: file.path),
               known.size == size, known.mtime == mtime {
                try finishLeftover(file, hash: known.contentHash)
                return
            }
            let hash = try fingerprint(file.path, isLink: kind == S_IFLNK, station: station)
            let discovered = DiscoveredFile(station: file.station, path: file.path, size: size, mtime: mtime,
                                            contentHash: hash)
            if try store.recordDiscovered(discovered, at: clock.now) == nil {
                try finishLeftover(file, hash: hash)
            } else {
                logger.debug("queued", metadata: ["inspection.station": "\(file.station)", "inspection.path": "\(file.path)"])
            }
        } catch {
            if health?.record(error) == true { return }
            logger.error("cannot record discovered file: \(error)",
                         metadata: ["inspection.station": "\(file.station)", "inspection.path": "\(file.path)"])
        }
    }

    /// The content hash of a regular file (read without following a link swapped in since
    /// lstat), or of a link's allowed target. A refused link is recorded under a hash of its
    /// target's name — its target is never read — and becomes a `symlink` error when claimed.
    private func fingerprint(_ path: String, isLink: Bool, station: StationConfiguration) throws -> String {
        guard isLink else { return try ContentHash.sha256(file: path, followSymlinks: false) }
        if let target = try? StationFileAccess(station: station).resolve(path) {
            return try ContentHash.sha256(file: target, followSymlinks: false)
        }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        let target = count > 0 ? String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        return ContentHash.sha256(Array("symlink:\(target)".utf8))
    }

    private func finishLeftover(_ file: ReadyFile, hash: String) throws {
        guard let record = try store.record(station: file.station, path: file.path, contentHash: hash),
              record.state == .done || record.state == .error else { return }
        leftover(file, record)
    }
}
