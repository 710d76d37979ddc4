/// Which folder each inotify watch descriptor stands for. The kernel hands out one descriptor
/// per inode, so stations whose trees overlap share descriptors: each keeps its own entry.
struct WatchTable {
    struct Entry {
        var station: Int
        var path: String
        /// The `scan()` that last saw the folder; older entries are for folders that vanished
        /// while events were lost.
        var generation: UInt64
    }

    struct Directory {
        /// Identity of the watched inode, to tell whether a path still leads to it after a move.
        var device: UInt
        var inode: UInt
        var entries: [Entry]
    }

    private var directories: [Int32: Directory] = [:]

    var count: Int { directories.count }

    subscript(descriptor: Int32) -> Directory? { directories[descriptor] }

    mutating func record(_ descriptor: Int32, device: UInt, inode: UInt, entry: Entry) {
        guard let existing = directories[descriptor], existing.device == device, existing.inode == inode else {
            directories[descriptor] = Directory(device: device, inode: inode, entries: [entry])
            return
        }
        if let index = existing.entries.firstIndex(where: { $0.station == entry.station }) {
            directories[descriptor]?.entries[index] = entry
        } else {
            directories[descriptor]?.entries.append(entry)
        }
    }

    mutating func remove(_ descriptor: Int32) {
        directories[descriptor] = nil
    }

    mutating func removeAll() {
        directories.removeAll()
    }

    /// Drops a station's entries for `path` and every folder below it; returns the descriptors
    /// that no station needs any more, which the caller should remove from the kernel.
    mutating func removeEntries(station: Int, atOrBelow path: String) -> [Int32] {
        let prefix = path == "/" ? "/" : path + "/"
        return removeEntries { entry in
            entry.station == station && (entry.path == path || entry.path.utf8.starts(with: prefix.utf8))
        }
    }

    /// Drops entries that the latest full scan did not reach; returns descriptors left unused.
    mutating func removeEntries(olderThan generation: UInt64) -> [Int32] {
        removeEntries { $0.generation < generation }
    }

    private mutating func removeEntries(where shouldRemove: (Entry) -> Bool) -> [Int32] {
        var unused: [Int32] = []
        for (descriptor, directory) in directories where directory.entries.contains(where: shouldRemove) {
            let kept = directory.entries.filter { !shouldRemove($0) }
            if kept.isEmpty {
                directories[descriptor] = nil
                unused.append(descriptor)
            } else {
                directories[descriptor]?.entries = kept
            }
        }
        return unused
    }
}
