import Foundation
import Glibc
import Inspection
import Store
import Testing

/// Result outputs with the real `inspectd` and `inspectctl` on a 200-image burst: every
/// verdict reaches a file output atomically (an inotify watcher and a tight polling reader
/// never see a partial document), `inspectctl follow` prints every verdict in order, a
/// client that never reads is dropped, and an exec output whose command hangs is killed at
/// its timeout while the verdicts keep flowing.
@Suite(.serialized) struct OutputEndToEndTests {
    static let burst = 200
    static let execTimeout = 2.0

    @Test func aBurstReachesEveryOutputWhileACommandHangsAndAClientStalls() throws {
        let h = try DaemonHarness()
        let out = h.root.appendingPathComponent("out").path
        let run = h.root.appendingPathComponent("run").path
        let pids = h.root.appendingPathComponent("pids").path
        for dir in [out, run, pids] { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let hook = h.root.appendingPathComponent("hang.sh").path
        // Records its pid, then hangs without reading stdin: only the timeout ends it.
        try "#!/bin/sh\necho $$ > \"$1/$$\"\nsleep 300\n".write(toFile: hook, atomically: true, encoding: .utf8)
        chmod(hook, 0o755)
        let socketPath = run + "/verdicts.sock"
        try h.writeConfig(extra: """
            [[station.output]]
            kind = "file"
            folder = "\(out)"
            [[station.output]]
            kind = "socket"
            path = "\(socketPath)"
            client_buffer = 4096
            [[station.output]]
            kind = "exec"
            command = ["\(hook)", "\(pids)"]
            timeout = \(Self.execTimeout)
            queue = 1000
            """)
        let watcher = try AtomicityWatcher(folder: out)
        try h.start()

        var mode = stat()
        #expect(lstat(socketPath, &mode) == 0 && mode.st_mode & 0o777 == 0o660)
        // The real client, and one that connects and never reads.
        let follow = Process()
        follow.executableURL = DaemonHarness.binary.deletingLastPathComponent().appendingPathComponent("inspectctl")
        follow.arguments = ["follow", "--config", h.configPath, "-o", "json", "-n", "\(Self.burst)"]
        let followOut = Pipe()
        follow.standardOutput = followOut
        follow.standardError = FileHandle.nullDevice
        try follow.run()
        defer { if follow.isRunning { follow.terminate() } }
        let collected = LineCollector(followOut.fileHandleForReading)
        let stalled = FollowClient.connect(socketPath)
        #expect(stalled >= 0)
        defer { close(stalled) }
        #expect(waitFor(timeout: 30) { (try? outputStatus(h, kind: "socket"))?["clients"] as? Int == 2 },
                "follow and the stalled client connected")

        for i in 0..<Self.burst { try h.writeAtomically("burst/img-\(i).png", try h.pngBytes()) }
        let rows = try h.waitForFinished(Self.burst, timeout: 600).filter { $0.state == .done || $0.state == .error }
        let done = rows.filter { $0.state == .done }.sorted { $0.id < $1.id }
        #expect(rows.count == Self.burst, "every image has its verdict although the command hangs")
        #expect(done.count == Self.burst)

        // inspectctl follow: every verdict, in order, as the same documents the files hold.
        #expect(waitFor(timeout: 60) { !follow.isRunning }, "follow exits after \(Self.burst) verdicts")
        let lines = collected.lines()
        let followed = lines.compactMap { line -> Int? in
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return obj["id"] as? Int
        }
        #expect(followed.count == Self.burst)
        #expect(followed == done.map { Int($0.id) }, "follow got every verdict in commit order")

        // The file output: one parsable document per verdict, never seen partial.
        #expect(waitFor(timeout: 60) { watcher.documents.count == Self.burst })
        watcher.stop()
        #expect(watcher.problems.isEmpty, "\(watcher.problems.prefix(5))")
        #expect(Set(watcher.documents.keys) == Set(done.map { "\(($0.path as NSString).lastPathComponent).\($0.id).json" }))
        // How long after its commit each document was readable (a figure, not a bound).
        let seenAt = watcher.firstSeen
        let delays = done.compactMap { row -> Double? in
            guard let finished = row.finishedAt, let at = seenAt["\((row.path as NSString).lastPathComponent).\(row.id).json"] else { return nil }
            return at - finished
        }.sorted()
        if !delays.isEmpty {
            print("outputs e2e: commit to readable file: median \(String(format: "%.1f", delays[delays.count / 2] * 1000)) ms, "
                  + "max \(String(format: "%.1f", (delays.last ?? 0) * 1000)) ms over \(delays.count) documents")
        }
        let docLine = try String(contentsOfFile: out + "/" + (watcher.documents.keys.sorted().first ?? ""), encoding: .utf8)
        #expect(lines.contains(docLine.trimmingCharacters(in: .newlines)), "the file and the socket send the same document")

        // Latency: had the loop waited for the hanging command, consecutive verdicts would be
        // at least the timeout apart. Count the gaps that long.
        let finishes = done.compactMap(\.finishedAt).sorted()
        let gaps = zip(finishes.dropFirst(), finishes).map { $0 - $1 }
        let long = gaps.filter { $0 >= Self.execTimeout }.count
        let sortedGaps = gaps.sorted()
        print("outputs e2e: \(Self.burst) verdicts in \(String(format: "%.1f", (finishes.last ?? 0) - (finishes.first ?? 0))) s, "
              + "median gap \(String(format: "%.3f", sortedGaps[sortedGaps.count / 2])) s, gaps >= \(Self.execTimeout) s: \(long) "
              + "(shared 2-core machine, debug build)")
        #expect(long < 5, "\(long) gaps of at least the exec timeout")

        // The counters, as `inspectctl status` shows them.
        #expect(waitFor(timeout: 30) { (try? outputStatus(h, kind: "file"))?["delivered"] as? Int == Self.burst })
        #expect(waitFor(timeout: 30) { (try? outputStatus(h, kind: "socket"))?["dropped"] as? Int == 1 },
                "the stalled client was dropped: \(String(describing: try? outputStatus(h, kind: "socket")))")
        #expect(waitFor(timeout: 30) { ((try? outputStatus(h, kind: "exec"))?["failed"] as? Int ?? 0) >= 2 })
        let exec = try #require(try outputStatus(h, kind: "exec"))
        #expect((exec["last_error"] as? String)?.contains("did not finish within \(Self.execTimeout) s") == true, "\(exec)")
        let text = try h.inspectctl(["status"]).text
        #expect(text.contains("output:     line1 file:\(out): delivered \(Self.burst), failed 0"), "\(text)")

        #expect(h.stop() == 0)
        #expect(access(socketPath, F_OK) != 0, "the socket file is removed at stop")
        // Every command that was started is gone: killed at its timeout or at the stop.
        let started = try FileManager.default.contentsOfDirectory(atPath: pids).compactMap { Int32($0) }
        #expect(started.count >= 2)
        #expect(waitFor(timeout: 10) { !started.contains(where: isRunning) }, "hung commands left running")
    }

    /// SIGHUP adds an output (its folder missing at first: counted as failing, then written
    /// once it exists) and a second reload with a broken output keeps the running one.
    @Test func reloadAddsAnOutputAndAMissingFolderIsCaughtUpLater() throws {
        let h = try DaemonHarness()
        let none = try h.inspectctl(["follow", "--config", h.configPath], database: false)
        #expect(none.status == 1 && none.text.contains("has no [[station.output]] with kind = \"socket\""), "\(none)")
        try h.start()
        try h.writeAtomically("first.png", try h.pngBytes())
        _ = try h.waitForFinished(1, timeout: 120)
        let out = h.root.appendingPathComponent("later").path
        try h.writeConfig(extra: """
            [[station.output]]
            kind = "file"
            folder = "\(out)"
            retry_interval = "200ms"
            """)
        let mark = h.notify.count
        h.signal(SIGHUP)
        #expect(h.notify.wait(for: "READY=1", after: mark, timeout: 30))
        for i in 0..<3 { try h.writeAtomically("after-\(i).png", try h.pngBytes()) }
        let rows = try h.waitForFinished(4, timeout: 120)
        #expect(waitFor(timeout: 30) { ((try? outputStatus(h, kind: "file"))?["pending"] as? Int) == 3 },
                "\(String(describing: try? outputStatus(h, kind: "file")))")
        // A reload whose new output is broken fails as a whole: the file output keeps going.
        try h.writeConfig(extra: """
            [[station.output]]
            kind = "file"
            folder = "\(out)"
            retry_interval = "200ms"
            [[station.output]]
            kind = "exec"
            command = ["relative/gate"]
            """)
        let second = h.notify.count
        h.signal(SIGHUP)
        #expect(h.notify.wait(for: "READY=1", after: second, timeout: 30))
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let expected = rows.filter { $0.path.contains("after-") }.map { "\(($0.path as NSString).lastPathComponent).\($0.id).json" }
        #expect(waitFor(timeout: 30) { Set((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []) == Set(expected) })
        #expect(waitFor(timeout: 30) { ((try? outputStatus(h, kind: "file"))?["delivered"] as? Int) == 3 })
        #expect(h.stop() == 0)
    }

    /// Whether `pid` is a live process (a zombie waiting for its reaper counts as gone).
    private func isRunning(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return !stat[close...].hasPrefix(") Z")
    }

    /// The `outputs` entry of `inspectctl status -o json` for this harness's station and `kind`.
    private func outputStatus(_ h: DaemonHarness, kind: String) throws -> [String: Any]? {
        let (status, text) = try h.inspectctl(["status", "-o", "json"])
        guard status == 0, let obj = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let outputs = obj["outputs"] as? [[String: Any]] else { return nil }
        return outputs.first { $0["kind"] as? String == kind }
    }

    private func waitFor(timeout: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(100_000)
        }
        return condition()
    }
}

/// Reads a pipe on its own thread and keeps the lines.
final class LineCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var buffer = Data()

    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { return }
                lock.lock()
                buffer.append(chunk)
                lock.unlock()
            }
        }
        thread.start()
    }

    func lines() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: buffer, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}

/// Watches an output folder two ways while the daemon writes it: inotify, which must never
/// report a visible `.json` name being created or written in place (only renamed in), and a
/// tight polling reader, which parses every document the moment it appears.
final class AtomicityWatcher: @unchecked Sendable {
    private let lock = NSLock()
    private var found = [String: Int]()
    private var seen = [String: Double]()
    private var issues = [String]()
    private var stopping = false
    private let inotify: Int32
    private let folder: String
    private let finished = DispatchSemaphore(value: 0)

    init(folder: String) throws {
        self.folder = folder
        inotify = inotify_init1(Int32(IN_NONBLOCK))
        guard inotify >= 0, inotify_add_watch(inotify, folder, UInt32(IN_CREATE | IN_CLOSE_WRITE | IN_MODIFY | IN_MOVED_TO)) >= 0 else {
            throw HarnessError("inotify on \(folder): errno \(errno)")
        }
        let thread = Thread { [self] in run() }
        thread.start()
    }

    var documents: [String: Int] {
        lock.lock()
        defer { lock.unlock() }
        return found
    }

    /// When the polling reader first saw each document (Unix seconds).
    var firstSeen: [String: Double] {
        lock.lock()
        defer { lock.unlock() }
        return seen
    }

    var problems: [String] {
        lock.lock()
        defer { lock.unlock() }
        return issues
    }

    func stop() {
        lock.lock()
        stopping = true
        lock.unlock()
        finished.wait()
        close(inotify)
    }

    private func note(_ problem: String) {
        lock.lock()
        issues.append(problem)
        lock.unlock()
    }

    private func run() {
        defer { finished.signal() }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            lock.lock()
            let stop = stopping
            lock.unlock()
            if stop { return }
            // inotify: a visible document may only appear by rename.
            let n = buffer.withUnsafeMutableBytes { read(inotify, $0.baseAddress, $0.count) }
            var offset = 0
            while n > 0 && offset + 16 <= n {
                let mask = buffer.withUnsafeBytes { $0.load(fromByteOffset: offset + 4, as: UInt32.self) }
                let length = Int(buffer.withUnsafeBytes { $0.load(fromByteOffset: offset + 12, as: UInt32.self) })
                let nameBytes = buffer[(offset + 16)..<(offset + 16 + length)].prefix { $0 != 0 }
                let name = String(decoding: nameBytes, as: UTF8.self)
                if !name.hasPrefix(".") && name.hasSuffix(".json") && mask & UInt32(IN_MOVED_TO) == 0 {
                    note("\(name): event \(String(mask, radix: 16)) on the final name")
                }
                offset += 16 + length
            }
            // The polling reader: parse everything new, at once (every 2 ms, so the watcher
            // does not take a core from the daemon it is watching).
            usleep(2000)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for name in names where !name.hasPrefix(".") && name.hasSuffix(".json") && documents[name] == nil {
                guard let data = FileManager.default.contents(atPath: folder + "/" + name) else { continue }
                guard data.last == 0x0A, let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                      let id = obj["id"] as? Int else {
                    note("\(name): not a complete document (\(data.count) bytes)")
                    continue
                }
                lock.lock()
                found[name] = id
                seen[name] = Date().timeIntervalSince1970
                lock.unlock()
            }
        }
    }
}
