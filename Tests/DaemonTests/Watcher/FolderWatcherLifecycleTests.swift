import Glibc
import Testing
@testable import Daemon

@Suite struct FolderWatcherLifecycleTests {
    let scratch: WatcherScratchFolder

    init() throws {
        scratch = try WatcherScratchFolder()
        try scratch.makeFolder("in")
    }

    @Test func missingFolderIsAWatchError() throws {
        let missing = scratch.at("missing")
        #expect(throws: DaemonError.watch(path: missing, reason: "folder does not exist")) {
            try FolderWatcher(stations: [WatchedStation(name: "cam1", folder: scratch.at("in")),
                                         WatchedStation(name: "cam2", folder: missing)])
        }
    }

    @Test func fileInsteadOfFolderIsAWatchError() throws {
        try scratch.write("plain.jpg")
        #expect(throws: DaemonError.watch(path: scratch.at("plain.jpg"), reason: "not a directory")) {
            try FolderWatcher(stations: [WatchedStation(name: "cam1", folder: scratch.at("plain.jpg"))])
        }
    }

    @Test(.enabled(if: getuid() != 0, "root bypasses file permissions"))
    func unreadableSubfolderIsAWatchError() throws {
        try scratch.makeFolder("in/locked")
        chmod(scratch.at("in/locked"), 0)
        defer { chmod(scratch.at("in/locked"), 0o755) }
        #expect(throws: DaemonError.watch(path: scratch.at("in/locked"), reason: "permission denied")) {
            try FolderWatcher(stations: [WatchedStation(name: "cam1", folder: scratch.at("in"), recursive: true)])
        }
    }

    @Test func descriptorIsNonBlockingAndCloseOnExec() throws {
        let watcher = try FolderWatcher(stations: [WatchedStation(name: "cam1", folder: scratch.at("in"))])
        let fd = watcher.fileDescriptor
        #expect(fd >= 0)
        #expect(fcntl(fd, F_GETFL) & O_NONBLOCK != 0)
        #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try watcher.readEvents().isEmpty)
        #expect(start.duration(to: clock.now) < .milliseconds(100))
    }

    @Test func closeIsIdempotent() throws {
        let watcher = try FolderWatcher(stations: [WatchedStation(name: "cam1", folder: scratch.at("in"))])
        watcher.close()
        watcher.close()
        #expect(watcher.fileDescriptor == -1)
        #expect(watcher.watchCount == 0)
        #expect(try watcher.readEvents().isEmpty)
    }
}

/// Fills the kernel's event queue of one inotify instance without reading it.
enum WatcherQueueLimit {
    static let maxQueuedEvents: Int? = {
        guard let text = WatchFailure.readLimit("/proc/sys/fs/inotify/max_queued_events") else { return nil }
        return Int(text)
    }()

    /// Renames take one syscall per queued event; beyond a million it would take too long.
    static var fillable: Bool { (maxQueuedEvents ?? Int.max) <= 1_000_000 }
}

@Suite struct FolderWatcherOverflowTests {
    @Test(.enabled(if: WatcherQueueLimit.fillable,
                   "fs.inotify.max_queued_events is unreadable or too large to fill in a test"))
    func queueOverflowIsReported() throws {
        let scratch = try WatcherScratchFolder()
        try scratch.makeFolder("in")
        try scratch.write("in/a.dat", bytes: 1)
        let watcher = try FolderWatcher(stations: [WatchedStation(name: "cam1", folder: scratch.at("in"))])
        let limit = try #require(WatcherQueueLimit.maxQueuedEvents)
        // Each rename queues one IN_MOVED_TO with a name different from the previous one, so
        // the kernel cannot merge them.
        let names = [scratch.at("in/a.dat"), scratch.at("in/b.dat")]
        for index in 0..<(limit + 64) {
            #expect(rename(names[index % 2], names[(index + 1) % 2]) == 0)
        }
        let events = try watcher.collect { $0.contains(.overflow) }
        #expect(events == [.overflow])
        // Still usable afterwards.
        try scratch.write("in/after.jpg")
        let later = try watcher.collect { $0.reports(scratch.at("in/after.jpg")) }
        #expect(later.reports(scratch.at("in/after.jpg")))
    }
}
