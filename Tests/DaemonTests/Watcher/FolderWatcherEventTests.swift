import Glibc
import Testing
@testable import Daemon

/// Real inotify on scratch folders. Each test ends with a "sentinel" file where it needs to
/// prove that something was *not* reported: once the sentinel arrives, earlier events have too.
@Suite struct FolderWatcherEventTests {
    let scratch: WatcherScratchFolder

    init() throws {
        scratch = try WatcherScratchFolder()
        try scratch.makeFolder("in")
    }

    func station(_ name: String = "cam1", _ folder: String = "in", recursive: Bool = false) -> WatchedStation {
        WatchedStation(name: name, folder: scratch.at(folder), recursive: recursive)
    }

    @Test func inPlaceWriteIsReportedOnceAfterClose() throws {
        let watcher = try FolderWatcher(stations: [station()])
        let file = try WatcherOpenFile(scratch.at("in/frame.jpg"))
        try file.write(bytes: 4096)
        #expect(try watcher.settle().isEmpty, "reported before the writer closed the file")
        try file.write(bytes: 4096)
        file.close()
        let events = try watcher.collect { !$0.isEmpty }
        #expect(events == [.ready(ReadyFile(station: "cam1", path: scratch.at("in/frame.jpg")))])
        #expect(try watcher.settle().isEmpty, "reported twice")
    }

    @Test func repeatedWritesInOneBatchAreCoalesced() throws {
        let watcher = try FolderWatcher(stations: [station()])
        // Interleaved, so that the kernel (which merges only identical consecutive events)
        // queues every one of them.
        for _ in 0..<5 {
            try scratch.write("in/frame.jpg")
            try scratch.write("in/other.jpg")
        }
        try scratch.write("in/next.jpg.part")
        try scratch.rename("in/next.jpg.part", "in/frame.jpg")
        var entry = pollfd(fd: watcher.fileDescriptor, events: Int16(POLLIN), revents: 0)
        #expect(poll(&entry, 1, 3000) == 1)
        usleep(50_000)  // let every event reach the queue, so one readEvents() sees them all
        let events = try watcher.readEvents()
        #expect(events.readyPaths == [scratch.at("in/frame.jpg"), scratch.at("in/other.jpg")])
    }

    @Test func atomicRenameIsReportedOnceAndTheTempNameNever() throws {
        let watcher = try FolderWatcher(stations: [station()])
        try scratch.write("in/frame.jpg.part", bytes: 100_000)
        try scratch.write("in/.frame2.jpg", bytes: 100_000)
        try scratch.write("in/upload-1234", bytes: 100_000)
        try scratch.rename("in/frame.jpg.part", "in/frame.jpg")
        try scratch.rename("in/.frame2.jpg", "in/frame2.jpg")
        try scratch.rename("in/upload-1234", "in/frame3.JPG")
        let expected = ["in/frame.jpg", "in/frame2.jpg", "in/frame3.JPG"].map(scratch.at)
        var events = try watcher.collect { $0.readyPaths.count >= 3 }
        events += try watcher.settle()
        #expect(events.readyPaths == expected)
    }

    @Test func fileMovedInFromAnotherFolderIsReported() throws {
        try scratch.makeFolder("staging")
        try scratch.write("staging/part.jpg")
        let watcher = try FolderWatcher(stations: [station()])
        try scratch.rename("staging/part.jpg", "in/part.jpg")
        var events = try watcher.collect { !$0.isEmpty }
        events += try watcher.settle()
        #expect(events == [.ready(ReadyFile(station: "cam1", path: scratch.at("in/part.jpg")))])
    }

    @Test func hiddenTemporaryAndOtherFilesAreIgnored() throws {
        let watcher = try FolderWatcher(stations: [station()])
        for name in [".hidden.jpg", "a.jpg.tmp", "b.jpg~", "c.jpg.crdownload", "d.JPG.SWP", "e.jpg.partial",
                     "f.gif", "g.txt", "h.jpg.bak"] {
            try scratch.write("in/" + name)
        }
        try scratch.makeFolder("in/x.png")
        try scratch.makeFolder("elsewhere/y.jpg")
        try scratch.rename("elsewhere/y.jpg", "in/y.jpg")
        try scratch.symlink("in/dangling.jpg", to: scratch.at("nowhere.jpg"))
        // Renamed in, so that IN_MOVED_TO arrives for names that are not regular files.
        try scratch.symlink("elsewhere/dangling.jpg", to: scratch.at("nowhere.jpg"))
        try scratch.rename("elsewhere/dangling.jpg", "in/dangling2.jpg")
        try scratch.symlink("elsewhere/folder-link.jpg", to: scratch.at("elsewhere"))
        try scratch.rename("elsewhere/folder-link.jpg", "in/folder-link.jpg")
        #expect(mkfifo(scratch.at("elsewhere/fifo.jpg"), 0o644) == 0)
        try scratch.rename("elsewhere/fifo.jpg", "in/fifo.jpg")
        try scratch.write("in/sentinel.jpg")
        var events = try watcher.collect { $0.reports(scratch.at("in/sentinel.jpg")) }
        events += try watcher.settle()
        #expect(events.readyPaths == [scratch.at("in/sentinel.jpg")])
    }

    @Test func symlinkToARegularFileMovedInIsReported() throws {
        try scratch.makeFolder("elsewhere")
        try scratch.write("elsewhere/target.bin")
        try scratch.symlink("elsewhere/link.jpg", to: scratch.at("elsewhere/target.bin"))
        let watcher = try FolderWatcher(stations: [station()])
        try scratch.rename("elsewhere/link.jpg", "in/link.jpg")
        let events = try watcher.collect { !$0.isEmpty }
        #expect(events.readyPaths == [scratch.at("in/link.jpg")])
    }

    @Test func matchingIsCaseInsensitive() throws {
        let watcher = try FolderWatcher(stations: [station()])
        for name in ["A.JPG", "b.Png", "c.jpeg", "d.GIF", "sentinel.jpg"] {
            try scratch.write("in/" + name)
        }
        var events = try watcher.collect { $0.reports(scratch.at("in/sentinel.jpg")) }
        events += try watcher.settle()
        #expect(Set(events.readyPaths) == Set(["A.JPG", "b.Png", "c.jpeg", "sentinel.jpg"].map { scratch.at("in/" + $0) }))
        #expect(events.readyPaths.count == 4)
    }

    @Test func nestedFoldersCreatedAfterStartAreWatchedWhenRecursive() throws {
        let watcher = try FolderWatcher(stations: [station(recursive: true)])
        #expect(watcher.watchCount == 1)
        try scratch.makeFolder("in/a/b/c")
        try scratch.write("in/a/b/c/f.jpg")
        let events = try watcher.collect { $0.reports(scratch.at("in/a/b/c/f.jpg")) }
        #expect(events.reports(scratch.at("in/a/b/c/f.jpg")))
        #expect(events.readyFiles.allSatisfy { $0.station == "cam1" })
        #expect(watcher.watchCount == 4)
        // The new folders stay watched.
        try scratch.write("in/a/b/g.png")
        let later = try watcher.collect { $0.reports(scratch.at("in/a/b/g.png")) }
        #expect(later.reports(scratch.at("in/a/b/g.png")))
    }

    @Test func nestedFoldersAreIgnoredWhenNotRecursive() throws {
        let watcher = try FolderWatcher(stations: [station(recursive: false)])
        try scratch.makeFolder("in/a/b/c")
        try scratch.write("in/a/b/c/f.jpg")
        try scratch.write("in/a/g.jpg")
        try scratch.write("in/sentinel.jpg")
        var events = try watcher.collect { $0.reports(scratch.at("in/sentinel.jpg")) }
        events += try watcher.settle()
        #expect(events.readyPaths == [scratch.at("in/sentinel.jpg")])
        #expect(watcher.watchCount == 1)
    }

    @Test func filesWrittenBeforeASubfolderWasWatchedAreReported() throws {
        // Prepared outside, then renamed in: folder and files appear in the same instant.
        try scratch.makeFolder("prep/batch/deep")
        try scratch.write("prep/batch/1.jpg")
        try scratch.write("prep/batch/deep/2.png")
        try scratch.write("prep/batch/deep/.3.png")
        try scratch.write("prep/batch/deep/4.txt")
        let watcher = try FolderWatcher(stations: [station(recursive: true)])
        try scratch.rename("prep/batch", "in/batch")
        var events = try watcher.collect { $0.readyPaths.count >= 2 }
        events += try watcher.settle()
        #expect(events.readyPaths == ["in/batch/1.jpg", "in/batch/deep/2.png"].map(scratch.at))
        #expect(watcher.watchCount == 3)
        try scratch.write("in/batch/deep/5.jpg")
        let later = try watcher.collect { $0.reports(scratch.at("in/batch/deep/5.jpg")) }
        #expect(later.readyPaths == [scratch.at("in/batch/deep/5.jpg")])
    }

    @Test func twoStationsReportTheirOwnNames() throws {
        try scratch.makeFolder("in2")
        let watcher = try FolderWatcher(stations: [station("cam1", "in"), station("cam2", "in2")])
        #expect(watcher.watchCount == 2)
        try scratch.write("in/a.jpg")
        try scratch.write("in2/b.jpg")
        let events = try watcher.collect { $0.readyPaths.count >= 2 }
        #expect(Set(events.readyFiles) == [ReadyFile(station: "cam1", path: scratch.at("in/a.jpg")),
                                           ReadyFile(station: "cam2", path: scratch.at("in2/b.jpg"))])
    }

    @Test func overlappingStationsEachGetTheFile() throws {
        try scratch.makeFolder("in/sub")
        let watcher = try FolderWatcher(stations: [station("all", "in", recursive: true), station("sub", "in/sub")])
        #expect(watcher.watchCount == 2)  // in, in/sub: the second station shares a descriptor
        try scratch.write("in/sub/a.jpg")
        var events = try watcher.collect { $0.readyPaths.count >= 2 }
        events += try watcher.settle()
        #expect(Set(events.readyFiles) == [ReadyFile(station: "all", path: scratch.at("in/sub/a.jpg")),
                                           ReadyFile(station: "sub", path: scratch.at("in/sub/a.jpg"))])
        #expect(events.count == 2)
    }

    @Test func deletingAWatchedSubfolderDoesNotBreakLaterEvents() throws {
        try scratch.makeFolder("in/gone/deeper")
        try scratch.makeFolder("in/kept")
        let watcher = try FolderWatcher(stations: [station(recursive: true)])
        #expect(watcher.watchCount == 4)
        try scratch.remove("in/gone")
        try scratch.write("in/kept/a.jpg")
        try scratch.write("in/b.jpg")
        var events = try watcher.collect { $0.readyPaths.count >= 2 }
        events += try watcher.settle()
        #expect(Set(events.readyPaths) == Set(["in/kept/a.jpg", "in/b.jpg"].map(scratch.at)))
        #expect(watcher.watchCount == 2)
        // A new folder under the old name is watched afresh.
        try scratch.makeFolder("in/gone")
        try scratch.write("in/gone/c.jpg")
        let later = try watcher.collect { $0.reports(scratch.at("in/gone/c.jpg")) }
        #expect(later.reports(scratch.at("in/gone/c.jpg")))
    }

    @Test func subfolderMovedWithinTheTreeReportsItsNewPath() throws {
        try scratch.makeFolder("in/old/inner")
        let watcher = try FolderWatcher(stations: [station(recursive: true)])
        try scratch.rename("in/old", "in/new")
        _ = try watcher.settle()
        try scratch.write("in/new/inner/a.jpg")
        try scratch.write("in/new/b.jpg")
        var events = try watcher.collect { $0.readyPaths.count >= 2 }
        events += try watcher.settle()
        #expect(Set(events.readyPaths) == Set(["in/new/inner/a.jpg", "in/new/b.jpg"].map(scratch.at)))
        #expect(watcher.watchCount == 3)
    }

    @Test func subfolderMovedOutOfTheTreeIsForgotten() throws {
        try scratch.makeFolder("in/leaving/inner")
        try scratch.makeFolder("out")
        let watcher = try FolderWatcher(stations: [station(recursive: true)])
        #expect(watcher.watchCount == 3)
        try scratch.rename("in/leaving", "out/left")
        try scratch.write("out/left/inner/a.jpg")
        try scratch.write("out/left/b.jpg")
        try scratch.write("in/sentinel.jpg")
        var events = try watcher.collect { $0.reports(scratch.at("in/sentinel.jpg")) }
        events += try watcher.settle()
        #expect(events.readyPaths == [scratch.at("in/sentinel.jpg")])
        #expect(watcher.watchCount == 1)
    }

    @Test func losingAStationFolderAsksForARescan() throws {
        try scratch.makeFolder("in2")
        let watcher = try FolderWatcher(stations: [station("cam1", "in", recursive: true), station("cam2", "in2")])
        try scratch.remove("in")
        try scratch.rename("in2", "moved")
        let events = try watcher.collect { $0.contains(.overflow) }
        #expect(events == [.overflow])
        #expect(watcher.watchCount == 0)
        #expect(throws: DaemonError.watch(path: scratch.at("in"), reason: "folder does not exist")) {
            try watcher.scan()
        }
        // Both folders back: the rescan watches them again.
        try scratch.makeFolder("in/sub")
        try scratch.rename("moved", "in2")
        #expect(try watcher.scan().isEmpty)
        #expect(watcher.watchCount == 3)
        _ = try watcher.settle()
        try scratch.write("in/sub/a.jpg")
        try scratch.write("in2/b.jpg")
        let later = try watcher.collect { $0.readyPaths.count >= 2 }
        #expect(Set(later.readyFiles) == [ReadyFile(station: "cam1", path: scratch.at("in/sub/a.jpg")),
                                          ReadyFile(station: "cam2", path: scratch.at("in2/b.jpg"))])
    }

    @Test func symlinkedStationFolderIsFollowed() throws {
        try scratch.symlink("link", to: scratch.at("in"))
        let watcher = try FolderWatcher(stations: [station("cam1", "link")])
        try scratch.write("in/a.jpg")
        let events = try watcher.collect { !$0.isEmpty }
        #expect(events.readyPaths == [scratch.at("link/a.jpg")])
    }
}
