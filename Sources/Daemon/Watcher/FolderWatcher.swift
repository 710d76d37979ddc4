import Glibc

/// Reports image files that writers have finished with, so the daemon can sleep in poll()
/// instead of rescanning folders and never reads a half-written file. Built for one
/// single-threaded daemon loop: it is not Sendable and does no locking.
///
/// Files are reported on IN_CLOSE_WRITE and IN_MOVED_TO only. Files found by `scan()` or in a
/// subfolder that just appeared cannot be told apart from files still open by a writer that
/// started before the watch existed; such a file is reported again when that writer closes
/// it, so consumers should treat a report as "look at this path now" and tolerate repeats.
public final class FolderWatcher {
    /// A read returns hundreds of events at once; one record is at most 16 + NAME_MAX + 1 bytes.
    private static let bufferSize = 64 * 1024
    /// Bounds one `readEvents()` call (a full default queue of 16384 events takes about eight
    /// reads) so that an event storm cannot starve the daemon's signal handling.
    private static let maxReadsPerCall = 32
    /// IN_EXCL_UNLINK spares events for files already deleted. IN_MASK_ADD because stations
    /// whose trees overlap share one watch per folder, and one must not narrow another's mask.
    private static let watchMask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF
                                          | IN_ONLYDIR | IN_EXCL_UNLINK | IN_MASK_ADD)
    /// Only recursive stations need to hear of new subfolders; the kernel cannot limit IN_CREATE
    /// to folders, so flat stations leave it out to halve their queue use.
    private static let recursiveMask = UInt32(IN_CREATE)

    private let stations: [WatchedStation]
    /// Station folders made absolute, without trailing or "." components.
    private let folders: [String]
    private let filters: [FileNameFilter]
    private var descriptor: Int32
    private var table = WatchTable()
    /// Incremented by every `scan()`, to find watches on folders that vanished unnoticed.
    private var generation: UInt64 = 0
    /// Raw storage for read(); bound to CChar so that event names can be used in place.
    private let buffer: UnsafeMutableRawPointer
    private let characters: UnsafeMutablePointer<CChar>
    /// Kept between calls so that coalescing does not reallocate on every batch.
    private var reported = Set<ReadyFile>()
    /// An error met after events had been taken from the kernel; thrown by the next
    /// `readEvents()` so that those events are not lost.
    private var deferredError: DaemonError?
    /// Folders that could not be watched (inotify limit, permission), with the reason: they
    /// are still listed by `scan()`, so the daemon rescans while this is not empty instead of
    /// losing their files — one folder over the limit must not stop every station.
    public private(set) var unwatched: [String: String] = [:]
    /// `inotify_add_watch`, replaceable by tests to simulate the watch limit.
    private let addWatch: (Int32, String, UInt32) -> Int32

    /// Adds watches on every station folder (and, for recursive stations, every subfolder),
    /// failing with `DaemonError.watch` if any cannot be watched.
    public convenience init(stations: [WatchedStation]) throws {
        try self.init(stations: stations, addWatch: { inotify_add_watch($0, $1, $2) })
    }

    /// With the watch call injected (tests make it fail with ENOSPC after a budget).
    init(stations: [WatchedStation], addWatch: @escaping (Int32, String, UInt32) -> Int32) throws {
        self.addWatch = addWatch
        let workingDirectory = Self.workingDirectory()
        self.stations = stations
        self.folders = stations.map { Self.normalize($0.folder, relativeTo: workingDirectory) }
        self.filters = stations.map { FileNameFilter(patterns: $0.patterns) }
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else {
            let code = errno
            let detail = code == EMFILE
                ? "inotify instance limit reached (fs.inotify.max_user_instances = "
                    + "\(WatchFailure.readLimit("/proc/sys/fs/inotify/max_user_instances") ?? "unknown"))"
                : String(cString: strerror(code))
            throw DaemonError.system(call: "inotify_init1", errno: code, detail: detail)
        }
        descriptor = fd
        buffer = .allocate(byteCount: Self.bufferSize, alignment: MemoryLayout<inotify_event>.alignment)
        characters = buffer.bindMemory(to: CChar.self, capacity: Self.bufferSize)

        var unused: [ReadyFile] = []
        var failure: DaemonError?
        for station in stations.indices where failure == nil {
            walk(station: station, from: folders[station], collecting: false, into: &unused, failure: &failure)
        }
        if let failure {
            close()
            throw failure
        }
    }

    deinit {
        close()
        buffer.deallocate()
    }

    /// The inotify descriptor to poll() for POLLIN; -1 once closed.
    public var fileDescriptor: Int32 { descriptor }

    /// Number of folders currently watched (one per inode, shared between stations).
    public var watchCount: Int { table.count }

    /// Takes every event the kernel has queued, without blocking, and returns each ready file
    /// once, in the order first seen, followed by `.overflow` if events may have been missed:
    /// the kernel dropped some, or a station folder itself was removed, moved or unmounted (the
    /// caller's `scan()` then reports it as a `.watch` error, or re-watches it if it is back).
    ///
    /// Throws when a new subfolder cannot be watched (`.watch`) or read() fails (`.system`).
    /// If events were already taken from the kernel, they are returned and the error is thrown
    /// by the next call instead.
    public func readEvents() throws -> [WatchEvent] {
        if let error = deferredError {
            deferredError = nil
            throw error
        }
        guard descriptor >= 0 else { return [] }
        reported.removeAll(keepingCapacity: true)
        var events: [WatchEvent] = []
        var overflowed = false
        var failure: DaemonError?
        reading: for _ in 0..<Self.maxReadsPerCall {
            let count = read(descriptor, buffer, Self.bufferSize)
            if count < 0 {
                let code = errno
                switch code {
                case EINTR: continue reading
                case EAGAIN, EWOULDBLOCK: break reading
                default:
                    failure = failure ?? .system(call: "read", errno: code,
                                                 detail: "reading inotify events: \(String(cString: strerror(code)))")
                    break reading
                }
            }
            if count == 0 { break }
            parse(count, into: &events, overflowed: &overflowed, failure: &failure)
        }
        if overflowed { events.append(.overflow) }
        if let failure {
            if events.isEmpty { throw failure }
            deferredError = failure
        }
        return events
    }

    /// Lists every matching regular file now present, sorted by path, and re-adds watches that
    /// events lost in an overflow may have missed; watches on folders no longer found are
    /// dropped. Use at start-up and after `.overflow`.
    public func scan() throws -> [ReadyFile] {
        generation &+= 1
        unwatched.removeAll()
        var files: [ReadyFile] = []
        var failure: DaemonError?
        for station in stations.indices {
            walk(station: station, from: folders[station], collecting: true, into: &files, failure: &failure)
        }
        if let failure { throw failure }
        for unused in table.removeEntries(olderThan: generation) {
            _ = inotify_rm_watch(descriptor, unused)
        }
        files.sort(by: Self.pathOrder)
        return files
    }

    /// Whether a file named `name` belongs to a station with these patterns: matched
    /// case-insensitively, and never a hidden or temporary file.
    public static func matches(name: String, patterns: [String]) -> Bool {
        FileNameFilter(patterns: patterns).matches(name)
    }

    /// Closes the inotify descriptor; later calls to `readEvents()` return nothing.
    public func close() {
        guard descriptor >= 0 else { return }
        _ = Glibc.close(descriptor)
        descriptor = -1
        table.removeAll()
    }

    // MARK: - Events

    private func parse(_ count: Int, into events: inout [WatchEvent], overflowed: inout Bool,
                       failure: inout DaemonError?) {
        let headerSize = MemoryLayout<inotify_event>.size
        var offset = 0
        // The kernel writes whole records only; the bounds checks guard against a short read.
        while offset + headerSize <= count {
            let header = buffer.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
            let nameCapacity = Int(header.len)
            guard offset + headerSize + nameCapacity <= count else { break }
            let name = UnsafePointer(characters + offset + headerSize)
            let length = nameCapacity == 0 ? 0 : strnlen(name, nameCapacity)
            handle(watch: header.wd, mask: header.mask, name: name, length: length,
                   into: &events, overflowed: &overflowed, failure: &failure)
            offset += headerSize + nameCapacity
        }
    }

    private func handle(watch: Int32, mask: UInt32, name: UnsafePointer<CChar>, length: Int,
                        into events: inout [WatchEvent], overflowed: inout Bool, failure: inout DaemonError?) {
        if mask & UInt32(IN_Q_OVERFLOW) != 0 {
            overflowed = true
            return
        }
        if mask & UInt32(IN_IGNORED | IN_DELETE_SELF | IN_UNMOUNT) != 0 {
            // IN_IGNORED follows the others; either way the descriptor is finished.
            if let directory = table[watch], directory.entries.contains(where: isStationFolder) {
                overflowed = true
            }
            table.remove(watch)
            return
        }
        if mask & UInt32(IN_MOVE_SELF) != 0 {
            if forgetIfMovedAway(watch) { overflowed = true }
            return
        }
        guard length > 0, let directory = table[watch] else { return }

        if mask & UInt32(IN_ISDIR) != 0 {
            guard mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0,
                  name[0] != CChar(UInt8(ascii: ".")) else { return }
            for entry in directory.entries where stations[entry.station].recursive {
                // Files may have been written into the folder before its watch existed.
                var found: [ReadyFile] = []
                walk(station: entry.station, from: Self.join(entry.path, name, length),
                     collecting: true, into: &found, failure: &failure)
                found.sort(by: Self.pathOrder)
                for file in found { report(file, complete: false, into: &events) }
            }
        } else if mask & UInt32(IN_CLOSE_WRITE | IN_MOVED_TO) != 0 {
            for entry in directory.entries where filters[entry.station].matches(name, length: length) {
                let path = Self.join(entry.path, name, length)
                guard Self.isRegularFile(path) else { continue }
                report(ReadyFile(station: stations[entry.station].name, path: path), complete: true, into: &events)
            }
        }
    }

    /// Coalesces per call; a close/rename (`complete`) upgrades an earlier `.found`.
    private func report(_ file: ReadyFile, complete: Bool, into events: inout [WatchEvent]) {
        if reported.insert(file).inserted {
            events.append(complete ? .ready(file) : .found(file))
        } else if complete, let index = events.firstIndex(of: .found(file)) {
            events[index] = .ready(file)
        }
    }

    /// IN_MOVE_SELF arrives after the IN_MOVED_TO for the folder's new place, which (inside a
    /// recursive station) has already re-registered the same descriptor under the new path.
    /// Entries whose path no longer leads to the folder were moved away: they and everything
    /// recorded below them are dropped. Returns whether a station folder itself went.
    private func forgetIfMovedAway(_ watch: Int32) -> Bool {
        guard let directory = table[watch] else { return false }
        var unused: [Int32] = []
        var stationFolderLost = false
        for entry in directory.entries
        where !Self.leads(entry.path, toDevice: directory.device, inode: directory.inode) {
            stationFolderLost = stationFolderLost || isStationFolder(entry)
            unused += table.removeEntries(station: entry.station, atOrBelow: entry.path)
        }
        for descriptor in unused where descriptor >= 0 {
            _ = inotify_rm_watch(self.descriptor, descriptor)
        }
        return stationFolderLost
    }

    private func isStationFolder(_ entry: WatchTable.Entry) -> Bool {
        entry.path == folders[entry.station]
    }

    // MARK: - Walking folders

    /// Watches `start` and, for recursive stations, every folder below it, each one before it
    /// is listed so that nothing created in between is missed. With `collecting`, appends the
    /// matching files found. Keeps going after an error, remembering the first one; a
    /// subfolder that vanishes meanwhile is not an error.
    private func walk(station: Int, from start: String, collecting: Bool,
                      into files: inout [ReadyFile], failure: inout DaemonError?) {
        let recursive = stations[station].recursive
        let root = folders[station]
        let filter = filters[station]
        let stationName = stations[station].name
        var pending = [start]
        var visited = Set<FolderIdentity>()
        while let folder = pending.popLast() {
            let isRoot = folder == root
            var watch: Int32 = -1
            if descriptor >= 0 {
                let mask = Self.watchMask | (recursive ? Self.recursiveMask : 0)
                    | (isRoot ? 0 : UInt32(IN_DONT_FOLLOW))
                watch = addWatch(descriptor, folder, mask)
                if watch < 0 {
                    let code = errno
                    if Self.isDegradable(code) {
                        unwatched[folder] = WatchFailure.reason(errno: code)
                    } else {
                        if isRoot || !Self.isVanished(code) {
                            failure = failure ?? WatchFailure.error(path: folder, errno: code)
                        }
                        continue
                    }
                }
            }
            guard let listing = DirectoryListing(path: folder, followSymlink: isRoot) else {
                let code = errno
                if !isRoot && Self.isDegradable(code) {
                    unwatched[folder] = WatchFailure.reason(errno: code)
                } else if isRoot || !Self.isVanished(code) {
                    failure = failure ?? WatchFailure.error(path: folder, errno: code)
                }
                continue
            }
            guard visited.insert(FolderIdentity(device: listing.device, inode: listing.inode)).inserted else {
                continue
            }
            if watch >= 0 {
                table.record(watch, device: listing.device, inode: listing.inode,
                             entry: .init(station: station, path: folder, generation: generation))
            }
            guard recursive || collecting else { continue }
            listing.forEach { name, length, kind in
                switch kind {
                case .directory:
                    if recursive && name[0] != CChar(UInt8(ascii: ".")) {
                        pending.append(Self.join(folder, name, length))
                    }
                case .file:
                    if collecting && filter.matches(name, length: length) {
                        files.append(ReadyFile(station: stationName, path: Self.join(folder, name, length)))
                    }
                case .other:
                    break
                }
            }
        }
    }

    // MARK: - Paths

    private struct FolderIdentity: Hashable {
        var device: UInt
        var inode: UInt
    }

    private static func pathOrder(_ a: ReadyFile, _ b: ReadyFile) -> Bool {
        a.path != b.path ? a.path < b.path : a.station < b.station
    }

    /// Errors after which a folder is still worth listing and rescanning: the watch limit, no
    /// kernel memory for watches, permission (which an operator may fix while we run).
    private static func isDegradable(_ code: Int32) -> Bool {
        code == ENOSPC || code == ENOMEM || code == EACCES || code == EPERM
    }

    /// Errors meaning the folder went away (or was swapped for a symlink) before it was reached.
    private static func isVanished(_ code: Int32) -> Bool {
        code == ENOENT || code == ENOTDIR || code == ELOOP
    }

    private static func isRegularFile(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
    }

    private static func leads(_ path: String, toDevice device: UInt, inode: UInt) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && UInt(status.st_dev) == device && UInt(status.st_ino) == inode
    }

    /// `folder/name` built in one allocation, the name taken straight from the event buffer.
    private static func join(_ folder: String, _ name: UnsafePointer<CChar>, _ length: Int) -> String {
        let separator = folder == "/" ? 0 : 1
        let nameBytes = UnsafeRawBufferPointer(start: name, count: length)
        return String(unsafeUninitializedCapacity: folder.utf8.count + separator + length) { output in
            var index = output.initialize(fromContentsOf: folder.utf8)
            if separator == 1 {
                output[index] = UInt8(ascii: "/")
                index += 1
            }
            for byte in nameBytes {
                output[index] = byte
                index += 1
            }
            return index
        }
    }

    private static func workingDirectory() -> String {
        guard let pointer = getcwd(nil, 0) else { return "/" }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    /// Makes `folder` absolute and drops empty and "." components, so that reported paths are
    /// canonical enough to compare; ".." and symlinks are kept as configured.
    static func normalize(_ folder: String, relativeTo workingDirectory: String) -> String {
        let full = folder.hasPrefix("/") ? folder : workingDirectory + "/" + folder
        let components = full.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        return "/" + components.joined(separator: "/")
    }
}
