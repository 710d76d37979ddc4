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

    /// Another process holding an exclusive SQLite lock on `database` for `seconds`; returns
    /// once the lock is taken.
    static func holdLock(_ database: String, seconds: Int) throws -> Process {
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        holder.arguments = ["-c", """
            import sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
            c.execute('BEGIN EXCLUSIVE')
            print('locked', flush=True)
            time.sleep(float(sys.argv[2]))
            c.execute('COMMIT')
            """, database, "\(seconds)"]
        let out = Pipe()
        holder.standardOutput = out
        try holder.run()
        _ = out.fileHandleForReading.availableData
        return holder
    }

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
        let holder = try Self.holdLock(h.database, seconds: 30)
        for i in 0..<10 { try h.writeAtomically("locked-\(i).png", try h.pngBytes()) }
        sleep(12)
        #expect(h.process?.isRunning == true, "the daemon waits instead of exiting")
        #expect(h.notify.messages.contains { $0.contains("waiting for the database") }, "\(h.notify.messages.suffix(5))")
        holder.waitUntilExit()
        let rows = try h.waitForFinished(11, timeout: 120)
        #expect(rows.count == 11 && rows.allSatisfy { $0.state == .done })
        #expect(h.stop() == 0)
    }

    /// A lock held while the daemon starts: it waits, keeps extending systemd's start timeout
    /// (so `TimeoutStartSec=` does not end the start), and is ready once the lock is gone.
    @Test func aLockHeldAtStartUpExtendsTheStartTimeoutUntilReleased() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else {
            print("FaultEndToEndTests: lock test skipped, needs /usr/bin/python3 to hold a SQLite lock")
            return
        }
        let h = try DaemonHarness()
        try h.start()
        #expect(h.stop() == 0)
        let holder = try Self.holdLock(h.database, seconds: 14)
        let mark = h.notify.count
        try h.start(timeout: 90)
        let timed = h.notify.timedMessages.dropFirst(mark)
        let ready = timed.first { $0.line.contains("READY=1") }?.time ?? .infinity
        let extensions = timed.filter { $0.line.contains("EXTEND_TIMEOUT_USEC=") && $0.time < ready }
        #expect(timed.contains { $0.line.contains("waiting for the database") })
        // The lock lasts 14 s and extensions come every 5 s while waiting.
        #expect(extensions.count >= 3, "\(timed.map(\.line))")
        for (a, b) in zip(extensions, extensions.dropFirst()) { #expect(b.time - a.time < 10) }
        holder.waitUntilExit()
        try h.writeAtomically("after.png", try h.pngBytes())
        #expect(try h.waitForFinished(1, timeout: 60).first?.state == .done)
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

/// The chaos mix: 300 files arrive while the daemon is killed with SIGKILL, its disk fills
/// and frees, and another process holds the database lock, at seeded moments. Afterwards
/// every file has exactly one `done` row. Replay a run with `INSPECTD_CHAOS_SEED`.
@Suite(.serialized) struct ChaosEndToEndTests {
    enum Fault: CaseIterable { case kill9, diskFull, lock }

    @Test func killsFullDisksAndLocksOver300Files() throws {
        var rng = ChaosSeed(test: "killsFullDisksAndLocksOver300Files")
        let h = try DaemonHarness()
        let disk = try SmallDisk(megabytes: 16, at: h.root.appendingPathComponent("db").path)
        let canLock = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
        let faults = Fault.allCases.filter { ($0 != .diskFull || disk.mounted) && ($0 != .lock || canLock) }
        if faults.count < Fault.allCases.count {
            print("ChaosEndToEndTests: running with \(faults) only (disk-full needs root, the lock needs /usr/bin/python3)")
        }
        try h.start()
        let total = 300
        let moments = Set((1...6).map { $0 * total / 7 + Int.random(in: -15...15, using: &rng) })
        var lockHolder: Process?
        for i in 0..<total {
            let name = "chaos/\(i / 50)/img-\(i).png"
            if Bool.random(using: &rng) { try h.writeInPlace(name, try h.pngBytes()) } else { try h.writeAtomically(name, try h.pngBytes()) }
            guard moments.contains(i), let fault = faults.randomElement(using: &rng) else { continue }
            usleep(UInt32.random(in: 0...150_000, using: &rng))
            switch fault {
            case .kill9:
                h.kill9()
                try h.start()
            case .diskFull:
                disk.fill()
                usleep(UInt32.random(in: 500_000...2_000_000, using: &rng))
                disk.free()
            case .lock:
                lockHolder?.waitUntilExit()
                let p = Process()
                p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
                p.arguments = ["-c", "import sqlite3,sys,time\nc=sqlite3.connect(sys.argv[1],isolation_level=None,timeout=30)\n"
                               + "c.execute('BEGIN EXCLUSIVE')\ntime.sleep(float(sys.argv[2]))\nc.execute('COMMIT')",
                               h.database, String(Double.random(in: 1...4, using: &rng))]
                try p.run()
                lockHolder = p
            }
        }
        lockHolder?.waitUntilExit()
        disk.free()
        let rows = try h.waitForFinished(total, timeout: 400)
        let done = rows.filter { $0.state == .done }
        #expect(done.count == total, "\(done.count) done of \(total); errors: \(rows.filter { $0.state == .error }.prefix(3).map { "\($0.path): \($0.errorKind ?? "")" })")
        #expect(Set(done.map(\.path)).count == total, "exactly one done row per file")
        #expect(h.stop() == 0)
    }
}

/// Degrade, don't die, with the real binary: `INSPECTD_FAULT_MAX_WATCHES` makes inspectd
/// meet the inotify watch limit (as if `fs.inotify.max_user_watches` were that low, without
/// lowering the machine-wide sysctl under the other tests). New subfolders over the limit are
/// rescanned every `rescan_interval`; another station keeps its inotify watch.
@Suite(.serialized) struct WatchLimitEndToEndTests {
    @Test func subfoldersOverTheWatchLimitAreRescannedAndOtherStationsAreUnaffected() throws {
        let h = try DaemonHarness()
        let second = h.root.appendingPathComponent("watch2")
        try FileManager.default.createDirectory(at: second, withIntermediateDirectories: true)
        try h.writeConfig(extra: "[[station]]\nname = \"line2\"\nfolder = \"\(second.path)\"\n", top: "rescan_interval = 2")
        try h.start(environment: ["INSPECTD_FAULT_MAX_WATCHES": "2"])
        // Over the limit at runtime: three new subfolders of the recursive station.
        for shift in 0..<3 {
            try h.writeAtomically("shift-\(shift)/a.png", try h.pngBytes())
            try h.writeInPlace("shift-\(shift)/b.png", try h.pngBytes())
        }
        let other = second.appendingPathComponent("other.png").path
        try Data(try h.pngBytes()).write(to: URL(fileURLWithPath: other + ".tmp"))
        #expect(rename(other + ".tmp", other) == 0)
        let rows = try h.waitForFinished(7, timeout: 60)
        #expect(rows.count == 7 && rows.allSatisfy { $0.state == .done }, "\(rows.map(\.path))")
        #expect(rows.contains { $0.path == other && $0.station == "line2" })
        #expect(h.process?.isRunning == true)
        let deadline = Date().addingTimeInterval(12)
        while !h.notify.messages.contains(where: { $0.contains("rescanned every 2 s") }) && Date() < deadline { usleep(100_000) }
        #expect(h.notify.messages.contains { $0.contains("rescanned every 2 s") }, "STATUS names the unwatched folders: \(h.notify.messages.suffix(4))")
        #expect(h.stop() == 0)
    }
}

/// A lock held while inspectd starts is waited out too (it used to be an exit).
@Suite(.serialized) struct StartUpLockEndToEndTests {
    @Test func aLockHeldAtStartUpIsWaitedOut() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else {
            print("StartUpLockEndToEndTests: skipped, needs /usr/bin/python3 to hold a SQLite lock")
            return
        }
        let h = try DaemonHarness()
        try h.start()
        #expect(h.stop() == 0)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        holder.arguments = ["-c", "import sqlite3,sys,time\nc=sqlite3.connect(sys.argv[1],isolation_level=None)\n"
                            + "c.execute('BEGIN EXCLUSIVE')\nprint('locked',flush=True)\ntime.sleep(6)\nc.execute('COMMIT')",
                            h.database]
        let out = Pipe()
        holder.standardOutput = out
        try holder.run()
        _ = out.fileHandleForReading.availableData
        try h.writeAtomically("waiting.png", try h.pngBytes())
        try h.start(timeout: 60)
        #expect(h.notify.messages.contains { $0.contains("waiting for the database") }, "\(h.notify.messages.suffix(6))")
        holder.waitUntilExit()
        let rows = try h.waitForFinished(1, timeout: 60)
        #expect(rows.count == 1 && rows[0].state == .done)
        #expect(h.stop() == 0)
    }
}
