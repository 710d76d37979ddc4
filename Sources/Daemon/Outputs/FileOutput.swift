import Config
import Foundation
import Inspection
import Logging
import Store
#if canImport(Glibc)
import Glibc
#endif

/// `kind = "file"`: one JSON document per verdict in a folder, the folder-in/folder-out
/// pattern line software already speaks.
///
/// The exporter walks the log itself, from a cursor (the last inspection id it has dealt
/// with): a delivery only wakes it. A failed write (folder full or missing) leaves the cursor
/// where it is, so the verdict and every later one stay pending and are written, in order,
/// at the next retry, and after a restart too (the cursor is persisted in `output_status`
/// every heartbeat). Re-exporting after a crash rewrites the same name, so readers see at
/// most a repeat, never a gap.
///
/// A document is written to a hidden temporary file in the same folder, fsynced, renamed
/// into place and the folder fsynced: a reader never sees a partial document.
final class FileOutput: ResultOutput, @unchecked Sendable {
    let station: String
    let configuration: OutputConfiguration
    let settings: FileOutputSettings
    private let store: VerdictStore
    private let logger: Logger
    private let counters: OutputCounters
    private let condition = NSCondition()
    private var woken = true
    private var stopping = false
    private var failing = false
    private let finished = DispatchSemaphore(value: 0)
    /// Rows read per query while catching up.
    static let batch = 200

    init(station: String, configuration: OutputConfiguration, settings: FileOutputSettings, store: VerdictStore,
         cursor: Int64, logger: Logger) {
        self.station = station
        self.configuration = configuration
        self.settings = settings
        self.store = store
        self.logger = logger
        var initial = OutputStatus(station: station, name: configuration.name, kind: "file", target: settings.folder)
        initial.cursor = cursor
        counters = OutputCounters(initial)
        let thread = Thread { [self] in run() }
        thread.name = "output-file"
        thread.start()
    }

    /// The verdict is in the log already; the exporter reads it from there.
    func deliver(_ verdict: OutputVerdict) { wake() }

    /// Makes the exporter look at the log now (a new verdict, a restart, a store that could
    /// not be read by the dispatcher).
    func wake() {
        condition.lock()
        woken = true
        condition.signal()
        condition.unlock()
    }

    func status() -> OutputStatus { counters.snapshot }

    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
        // The thread is between two documents at most one write away; do not let it outlive us.
        _ = finished.wait(timeout: .now() + 5)
    }

    /// The file name for a verdict: the image's name plus the inspection id, so that two
    /// images of the same name (sub-folders, a rewritten file) never overwrite each other.
    static func fileName(imagePath: String, id: Int64) -> String {
        "\((imagePath as NSString).lastPathComponent).\(id).json"
    }

    /// Whether `name` is a document this output writes (`<image>.<id>.json`), for retention.
    static func isDocument(_ name: String) -> Bool {
        guard !name.hasPrefix("."), name.hasSuffix(".json") else { return false }
        let stem = name.dropLast(5)
        guard let dot = stem.lastIndex(of: ".") else { return false }
        let digits = stem[stem.index(after: dot)...]
        return !digits.isEmpty && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber)
    }

    private func run() {
        defer { finished.signal() }
        while true {
            condition.lock()
            let deadline = Date().addingTimeInterval(failing ? settings.retryInterval : 60)
            while !woken && !stopping {
                if !condition.wait(until: deadline) { break }
            }
            let stop = stopping
            woken = false
            condition.unlock()
            if stop { return }
            exportPending()
            applyRetentionIfDue()
        }
    }

    /// Writes every verdict after the cursor, in id order, until a row without a final state
    /// or a failure.
    func exportPending() {
        var cursor = counters.snapshot.cursor ?? 0
        do {
            walk: while true {
                let rows = try store.rows(station: station, afterID: cursor, limit: Self.batch)
                for row in rows {
                    guard row.state == .done || row.state == .error else { break walk }
                    if let v = OutputVerdict(row, database: store.path), configuration.accepts(v.verdict) {
                        try writeDocument(v)
                        counters.update { $0.delivered += 1 }
                    }
                    cursor = row.id
                    counters.update { $0.cursor = cursor }
                }
                if rows.count < Self.batch { break }
            }
            if failing {
                failing = false
                logger.notice("output writes again", metadata: meta)
            }
            counters.update { $0.pending = 0 }
        } catch {
            counters.fail("\(error)", at: Date().timeIntervalSince1970)
            let pending = (try? store.verdictCount(station: station, afterID: cursor)) ?? 0
            counters.update { $0.pending = pending }
            if !failing {
                logger.error("output cannot write; retrying every \(settings.retryInterval) s, verdicts stay pending: \(error)",
                             metadata: meta.merging(["output.pending": "\(pending)"]) { $1 })
            }
            failing = true
        }
    }

    private var meta: Logger.Metadata {
        ["output.station": "\(station)", "output.name": "\(configuration.name)", "output.kind": "file"]
    }

    /// Temp file, fsync, rename, fsync of the folder.
    func writeDocument(_ v: OutputVerdict) throws {
        let folder = settings.folder
        let name = Self.fileName(imagePath: v.path, id: v.id)
        let final = folder + "/" + name
        let temp = folder + "/." + name + ".tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw OutputError.last("open", temp) }
        var bytes = Array(v.json.utf8)
        bytes.append(0x0A)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress?.advanced(by: done), bytes.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                let error = OutputError.last("write", temp)
                close(fd)
                unlink(temp)
                throw error
            }
            done += n
        }
        if fsync(fd) != 0 {
            let error = OutputError.last("fsync", temp)
            close(fd)
            unlink(temp)
            throw error
        }
        close(fd)
        guard rename(temp, final) == 0 else {
            let error = OutputError.last("rename", final)
            unlink(temp)
            throw error
        }
        let dir = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            _ = fsync(dir)
            close(dir)
        }
    }

    /// `keep_count` and `keep_age`, after every pass (and at least once a minute when idle).
    private func applyRetentionIfDue() {
        guard settings.keepCount != nil || settings.keepAge != nil else { return }
        let removed = applyRetention(now: Date().timeIntervalSince1970)
        if removed > 0 { logger.debug("output retention removed \(removed) files", metadata: meta) }
    }

    /// Deletes this output's documents beyond `keep_count` (oldest first) or older than
    /// `keep_age`; other files in the folder are never touched. Returns how many went.
    @discardableResult
    func applyRetention(now: Double) -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: settings.folder) else { return 0 }
        var documents = [(name: String, mtime: Double)]()
        for name in names where Self.isDocument(name) {
            var st = stat()
            guard stat(settings.folder + "/" + name, &st) == 0 else { continue }
            documents.append((name, Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) * 1e-9))
        }
        documents.sort { $0.mtime > $1.mtime || ($0.mtime == $1.mtime && $0.name > $1.name) }
        var removed = 0
        for (i, doc) in documents.enumerated() {
            let tooMany = settings.keepCount.map { i >= $0 } ?? false
            let tooOld = settings.keepAge.map { now - doc.mtime > $0 } ?? false
            if (tooMany || tooOld) && unlink(settings.folder + "/" + doc.name) == 0 { removed += 1 }
        }
        return removed
    }
}
