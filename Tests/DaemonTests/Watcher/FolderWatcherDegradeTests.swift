import Foundation
import Glibc
import Testing
@testable import Daemon

/// Degrade, don't die: a folder inotify cannot watch (limit reached) is still listed by
/// scans and reported as unwatched, other folders keep their watches, and the watcher heals
/// when watches are available again.
@Suite struct FolderWatcherDegradeTests {
    @Test func aSubfolderOverTheLimitIsRescannedAndTheOthersStayWatched() throws {
        let scratch = try WatcherScratchFolder()
        try scratch.makeFolder("a/one")
        try scratch.makeFolder("b")
        let budget = WatchBudget(limit: 2)
        let watcher = try FolderWatcher(stations: [WatchedStation(name: "a", folder: scratch.at("a"), recursive: true),
                                                   WatchedStation(name: "b", folder: scratch.at("b"))],
                                        addWatch: budget.add)
        #expect(watcher.unwatched.count == 1)
        let reason = try #require(watcher.unwatched.values.first)
        #expect(reason.contains("fs.inotify.max_user_watches"), "names the sysctl: \(reason)")
        // A file in the unwatched folder is still found by a scan.
        let unwatched = try #require(watcher.unwatched.keys.first)
        try "x".write(toFile: unwatched + "/img.jpg", atomically: false, encoding: .utf8)
        #expect(try watcher.scan().map(\.path).contains(unwatched + "/img.jpg"))
        // A new subfolder at runtime over the limit is no error either.
        try scratch.makeFolder("a/two")
        try scratch.write("a/two/new.jpg")
        _ = try watcher.readEvents()
        #expect(watcher.unwatched.keys.contains(scratch.at("a/two")), "\(watcher.unwatched)")
        // Watches available again: the next scan watches everything.
        budget.limit = 100
        _ = try watcher.scan()
        #expect(watcher.unwatched.isEmpty)
        watcher.close()
    }
}
