import Foundation
import Glibc

/// A cap on inotify watches below the kernel's, for fault injection: with
/// `INSPECTD_FAULT_MAX_WATCHES=N` in its environment inspectd behaves as if
/// `fs.inotify.max_user_watches` allowed only N folders (ENOSPC beyond), so the degraded
/// mode can be tested with the real binary without lowering a machine-wide sysctl. Re-adding
/// a folder already watched is free, as in the kernel.
final class WatchBudget: @unchecked Sendable {
    /// The environment variable that sets the cap.
    static let variable = "INSPECTD_FAULT_MAX_WATCHES"
    var limit: Int
    private var watched = Set<String>()

    init(limit: Int) { self.limit = limit }

    /// `inotify_add_watch`, or ENOSPC once `limit` folders are watched.
    func add(_ fd: Int32, _ path: String, _ mask: UInt32) -> Int32 {
        guard watched.contains(path) || watched.count < limit else {
            errno = ENOSPC
            return -1
        }
        let watch = inotify_add_watch(fd, path, mask)
        if watch >= 0 { watched.insert(path) }
        return watch
    }
}

extension FolderWatcher {
    /// The daemon's watcher for `stations`: the kernel's limits, or the injected cap of
    /// `INSPECTD_FAULT_MAX_WATCHES`.
    static func forStations(_ stations: [WatchedStation],
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> FolderWatcher {
        guard let text = environment[WatchBudget.variable], let limit = Int(text), limit >= 0 else {
            return try FolderWatcher(stations: stations)
        }
        return try FolderWatcher(stations: stations, addWatch: WatchBudget(limit: limit).add)
    }
}
