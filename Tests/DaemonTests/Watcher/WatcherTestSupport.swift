import Foundation
import Glibc
@testable import Daemon

/// A scratch folder on the real file system, removed when the test ends.
final class WatcherScratchFolder {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/watcher-test-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw WatcherScratchError.failed("mkdtemp", errno) }
        path = FolderWatcher.normalize(String(cString: made), relativeTo: "/")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func at(_ relative: String) -> String { path + "/" + relative }

    /// mkdir -p
    func makeFolder(_ relative: String) throws {
        try FileManager.default.createDirectory(atPath: at(relative), withIntermediateDirectories: true)
    }

    /// open/write/close in place, as a camera SDK writing straight to the final name does.
    func write(_ relative: String, bytes: Int = 64) throws {
        let file = try WatcherOpenFile(at(relative))
        try file.write(bytes: bytes)
        file.close()
    }

    func rename(_ from: String, _ to: String) throws {
        guard Glibc.rename(at(from), at(to)) == 0 else { throw WatcherScratchError.failed("rename \(from) \(to)", errno) }
    }

    func symlink(_ relative: String, to target: String) throws {
        guard Glibc.symlink(target, at(relative)) == 0 else { throw WatcherScratchError.failed("symlink", errno) }
    }

    func remove(_ relative: String) throws {
        try FileManager.default.removeItem(atPath: at(relative))
    }
}

/// A file held open for writing, to check that nothing is reported before the writer closes.
final class WatcherOpenFile {
    private var fd: Int32

    init(_ path: String) throws {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw WatcherScratchError.failed("open \(path)", errno) }
    }

    func write(bytes: Int) throws {
        let data = [UInt8](repeating: 0xA5, count: bytes)
        let written = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes else { throw WatcherScratchError.failed("write", errno) }
    }

    func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }
}

enum WatcherScratchError: Error {
    case failed(String, Int32)
}

extension FolderWatcher {
    /// Polls and reads until `done` holds for everything collected, or `timeout` passes; never
    /// blocks longer than that.
    func collect(timeout: Duration = .seconds(3),
                 until done: ([WatchEvent]) -> Bool) throws -> [WatchEvent] {
        var events: [WatchEvent] = []
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while !done(events) {
            let remaining = clock.now.duration(to: deadline)
            guard remaining > .zero else { break }
            try pollOnce(milliseconds: Self.milliseconds(remaining), into: &events)
        }
        return events
    }

    /// Reads until nothing has arrived for `quiet` (at most `limit` in all), to see whether
    /// anything more, e.g. a duplicate, is still coming.
    func settle(quiet: Duration = .milliseconds(300), limit: Duration = .seconds(3)) throws -> [WatchEvent] {
        var events: [WatchEvent] = []
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        var lastArrival = clock.now
        while clock.now < deadline {
            let waited = lastArrival.duration(to: clock.now)
            if waited >= quiet { break }
            let before = events.count
            try pollOnce(milliseconds: Self.milliseconds(quiet - waited), into: &events)
            if events.count != before { lastArrival = clock.now }
        }
        return events
    }

    private func pollOnce(milliseconds: Int32, into events: inout [WatchEvent]) throws {
        var entry = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&entry, 1, max(1, milliseconds))
        if ready > 0 { events += try readEvents() }
    }

    private static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}

extension [WatchEvent] {
    var readyPaths: [String] {
        compactMap { if case let .ready(file) = $0 { file.path } else if case let .found(file) = $0 { file.path } else { nil } }
    }

    var readyFiles: [ReadyFile] {
        compactMap { if case let .ready(file) = $0 { file } else if case let .found(file) = $0 { file } else { nil } }
    }

    func reports(_ path: String) -> Bool { readyPaths.contains(path) }
}
