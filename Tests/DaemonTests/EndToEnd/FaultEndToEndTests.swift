import Foundation
import Glibc
import Inspection
import Store
import Testing
import TestSupport

/// Faults with the real inspectd: a full disk, a database deleted under it, a second
/// instance, a lock held by another process, links to files outside the folder. Disk-full
/// tests mount a tmpfs and need root; they skip with a message otherwise.
@Suite(.serialized) struct FaultEndToEndTests {
    /// Rows per path, to check "exactly once".
    static func once(_ rows: [InspectionRecord]) -> Bool { Set(rows.map(\.path)).count == rows.count }

    @Test func aFullDiskDuringABurstIsWaitedOutAndEveryImageIsVerdictedOnce() throws {
        let h = try DaemonHarness()
        let disk = try SmallDisk(megabytes: 8, at: h.root.appendingPathComponent("db").path)
        guard disk.mounted else {
            print("FaultEndToEndTests: disk-full test skipped, needs root to mount a tmpfs")
            return
        }
        try h.start()
        for i in 0..<20 { try h.writeAtomically("before/img-\(i).png", try h.pngBytes()) }
        _ = try h.waitForFinished(20, timeout: 120)
        disk.fill()
        for i in 0..<100 { try h.writeAtomically("burst/img-\(i).png", try h.pngBytes()) }
        // While full: the daemon stays up and says why.
        #expect(h.notify.wait(for: "STATUS=", after: h.notify.count, timeout: 15))
        sleep(3)
        #expect(h.process?.isRunning == true, "the daemon never exits during the fault")
        #expect(h.notify.messages.contains { $0.contains("waiting for the database") }, "\(h.notify.messages.suffix(5))")
        disk.free()
        let rows = try h.waitForFinished(120, timeout: 300)
        #expect(rows.count == 120 && Self.once(rows), "\(rows.count) rows")
        #expect(rows.allSatisfy { $0.state == .done }, "errors: \(rows.filter { $0.state == .error }.prefix(3).map { "\($0.errorKind ?? "")" })")
        #expect(rows.allSatisfy { $0.attempts == 1 }, "no attempt was consumed by the full disk")
        #expect(h.stop() == 0)
    }

    @Test func aDeletedDatabaseStopsTheDaemonBeforeAnythingMoreIsMoved() throws {
        let h = try DaemonHarness(after: "move")
        try h.start()
        for i in 0..<5 { try h.writeAtomically("a-\(i).png", try h.pngBytes()) }
        _ = try h.waitForFinished(5, timeout: 120)
        for suffix in ["", "-wal", "-shm"] { unlink(h.database + suffix) }
        var late = [String]()
        for i in 0..<3 { late.append(try h.writeAtomically("b-\(i).png", try h.pngBytes())) }
        let deadline = Date().addingTimeInterval(10)
        while h.process?.isRunning == true && Date() < deadline { usleep(50_000) }
        #expect(h.process?.isRunning == false, "the daemon exits within a heartbeat")
        #expect(h.process?.terminationStatus != 0)
        #expect(h.stderrText().contains("no longer the file inspectd opened"))
        #expect(late.allSatisfy { FileManager.default.fileExists(atPath: $0) }, "nothing moved after the unlink")
        // The restart opens the real (new) file and scores what is still there.
        try h.start()
        let rows = try h.waitForFinished(3, timeout: 120)
        #expect(Set(rows.map(\.path)) == Set(late))
        #expect(h.stop() == 0)
    }

    @Test func aSecondInspectdOnTheSameDatabaseIsRefusedNamingThePid() throws {
        let h = try DaemonHarness()
        try h.start()
        let second = Process()
        second.executableURL = DaemonHarness.binary
        second.arguments = ["--config", h.configPath, "--log-level", "warning"]
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "NOTIFY_SOCKET")
        env.removeValue(forKey: "JOURNAL_STREAM")
        second.environment = env
        let err = Pipe()
        second.standardError = err
        second.standardOutput = FileHandle.nullDevice
        try second.run()
        second.waitUntilExit()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(second.terminationStatus != 0)
        #expect(text.contains("already using this database"), "\(text)")
        #expect(text.contains("pid \(h.process?.processIdentifier ?? -1)"), "\(text)")
        #expect(h.process?.isRunning == true)
        #expect(h.stop() == 0)
    }

    @Test func aLockHeldByAnotherProcessIsWaitedOut() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else {
            print("FaultEndToEndTests: lock test skipped, needs /usr/bin/python3 to hold a SQLite lock")
            return
        }
        let h = try DaemonHarness()
        try h.start()
        try h.writeAtomically("first.png", try h.pngBytes())
        _ = try h.waitForFinished(1, timeout: 60)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        holder.arguments = ["-c", """
            import sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
            c.execute('BEGIN EXCLUSIVE')
            print('locked', flush=True)
            time.sleep(float(sys.argv[2]))
            c.execute('COMMIT')
            """, h.database, "30"]
        let out = Pipe()
        holder.standardOutput = out
        try holder.run()
        _ = out.fileHandleForReading.availableData
        for i in 0..<10 { try h.writeAtomically("locked-\(i).png", try h.pngBytes()) }
        sleep(12)
        #expect(h.process?.isRunning == true, "the daemon waits instead of exiting")
        #expect(h.notify.messages.contains { $0.contains("waiting for the database") }, "\(h.notify.messages.suffix(5))")
        holder.waitUntilExit()
        let rows = try h.waitForFinished(11, timeout: 120)
        #expect(rows.count == 11 && rows.allSatisfy { $0.state == .done })
        #expect(h.stop() == 0)
    }

    @Test func linksToFilesOutsideTheFolderAreRefusedAndNothingOfThemIsStored() throws {
        let h = try DaemonHarness()
        let secret = h.root.appendingPathComponent("secret.txt").path
        try "root:*:19000:0:99999:7:::\n".write(toFile: secret, atomically: true, encoding: .utf8)
        let outsideImage = h.root.appendingPathComponent("outside.png").path
        try Data(try h.pngBytes()).write(to: URL(fileURLWithPath: outsideImage))
        // Links present at start-up are found by the scan; one renamed in while running by
        // inotify (IN_MOVED_TO).
        symlink(secret, h.watch.appendingPathComponent("shadow.jpg").path)
        if FileManager.default.fileExists(atPath: "/etc/shadow") {
            symlink("/etc/shadow", h.watch.appendingPathComponent("etc-shadow.jpg").path)
        }
        try h.start()
        let staging = h.root.appendingPathComponent("staged-link.png").path
        symlink(outsideImage, staging)
        #expect(rename(staging, h.watch.appendingPathComponent("outside.png").path) == 0)
        try h.writeAtomically("real.png", try h.pngBytes())
        let expected = FileManager.default.fileExists(atPath: "/etc/shadow") ? 4 : 3
        let rows = try h.waitForFinished(expected, timeout: 60)
        let links = rows.filter { !$0.path.hasSuffix("/real.png") }
        #expect(links.count == expected - 1)
        #expect(links.allSatisfy { $0.state == .error && $0.errorKind == "symlink" }, "\(links.map { $0.errorKind ?? "-" })")
        #expect(rows.first { $0.path.hasSuffix("/real.png") }?.state == .done)
        #expect(h.stop() == 0)
        for file in [h.database, h.database + "-wal"] where FileManager.default.fileExists(atPath: file) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            #expect(bytes.range(of: Data("root:".utf8)) == nil, "no byte of a link's target in \(file)")
        }
        #expect(!h.stderrText().contains("root:"), "nor in the log")
    }
}
