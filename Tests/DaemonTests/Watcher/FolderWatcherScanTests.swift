import Glibc
import Testing
@testable import Daemon

@Suite struct FolderWatcherScanTests {
    let scratch: WatcherScratchFolder

    init() throws {
        scratch = try WatcherScratchFolder()
        try scratch.makeFolder("in/sub/deeper")
        try scratch.makeFolder("in/.hidden")
        try scratch.makeFolder("in/dir.jpg")
        try scratch.makeFolder("elsewhere")
        for name in ["z.jpg", "a.PNG", "m.jpeg", "sub/b.jpg", "sub/deeper/c.png", ".h.jpg", "x.jpg.part",
                     "notes.txt", ".hidden/d.jpg", "dir.jpg/e.jpg", "elsewhere/outside.jpg"] {
            try scratch.write(name.hasPrefix("elsewhere") ? name : "in/" + name)
        }
        try scratch.symlink("in/linked-dir", to: scratch.at("in/sub"))
        try scratch.symlink("in/loop", to: scratch.at("in"))
        try scratch.symlink("in/linked-file.jpg", to: scratch.at("elsewhere/outside.jpg"))
        try scratch.symlink("in/dangling.jpg", to: scratch.at("elsewhere/missing.jpg"))
        try scratch.symlink("in/dir-link.jpg", to: scratch.at("elsewhere"))
    }

    @Test func recursiveScanFindsExistingFilesSorted() throws {
        let watcher = try FolderWatcher(stations: [WatchedStation(name: "cam1", folder: scratch.at("in"), recursive: true)])
        let files = try watcher.scan()
        let expected = ["a.PNG", "dir.jpg/e.jpg", "linked-file.jpg", "m.jpeg", "sub/b.jpg", "sub/deeper/c.png", "z.jpg"]
            .map { scratch.at("in/" + $0) }.sorted()
        #expect(files.map(\.path) == expected)
        #expect(files.allSatisfy { $0.station == "cam1" })
        // in, sub, sub/deeper, dir.jpg; not .hidden, not the symlinked folders.
        #expect(watcher.watchCount == 4)
        #expect(try watcher.scan() == files, "a rescan must be deterministic")
    }

    @Test func flatScanStaysInTheStationFolder() throws {
        let watcher = try FolderWatcher(stations: [WatchedStation(name: "cam1", folder: scratch.at("in"))])
        let files = try watcher.scan()
        #expect(files.map(\.path) == ["a.PNG", "linked-file.jpg", "m.jpeg", "z.jpg"].map { scratch.at("in/" + $0) })
        #expect(watcher.watchCount == 1)
    }

    @Test func scanCoversEveryStation() throws {
        let watcher = try FolderWatcher(stations: [
            WatchedStation(name: "b-cam", folder: scratch.at("in/sub"), recursive: true),
            WatchedStation(name: "a-cam", folder: scratch.at("elsewhere")),
        ])
        let files = try watcher.scan()
        #expect(files == [
            ReadyFile(station: "a-cam", path: scratch.at("elsewhere/outside.jpg")),
            ReadyFile(station: "b-cam", path: scratch.at("in/sub/b.jpg")),
            ReadyFile(station: "b-cam", path: scratch.at("in/sub/deeper/c.png")),
        ])
    }

    @Test func scanReaddsWatchesAndDropsStaleOnes() throws {
        let watcher = try FolderWatcher(stations: [WatchedStation(name: "cam1", folder: scratch.at("in"), recursive: true)])
        #expect(watcher.watchCount == 4)
        // Changes the watcher has not read yet, as after an overflow.
        try scratch.remove("in/sub")
        try scratch.makeFolder("in/fresh")
        try scratch.write("in/fresh/new.jpg")
        let files = try watcher.scan()
        #expect(files.map(\.path).contains(scratch.at("in/fresh/new.jpg")))
        #expect(!files.map(\.path).contains(scratch.at("in/sub/b.jpg")))
        #expect(watcher.watchCount == 3)  // in, dir.jpg, fresh
        _ = try watcher.settle()
        try scratch.write("in/fresh/later.jpg")
        let events = try watcher.collect { $0.reports(scratch.at("in/fresh/later.jpg")) }
        #expect(events.reports(scratch.at("in/fresh/later.jpg")))
    }

    @Test func scanOfAVanishedStationFolderThrows() throws {
        let watcher = try FolderWatcher(stations: [WatchedStation(name: "cam1", folder: scratch.at("elsewhere"))])
        try scratch.remove("elsewhere")
        #expect(throws: DaemonError.watch(path: scratch.at("elsewhere"), reason: "folder does not exist")) {
            try watcher.scan()
        }
    }
}
