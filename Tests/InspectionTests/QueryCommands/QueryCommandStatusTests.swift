import Foundation
import Inspection
import Store
import Testing

/// `inspectctl status`: whether the daemon is alive (status row's pid exists and its heartbeat
/// is fresh), counts per state, queue depth and the latest verdicts.
@Suite struct QueryCommandStatusTests {
    static var ownPid: Int32 { ProcessInfo.processInfo.processIdentifier }

    /// The pid of a process that has exited and been reaped.
    static func deadPid() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    static func daemonLine(_ result: QueryFixture.Result) -> String {
        result.lines.first { $0.hasPrefix("daemon:") } ?? "(no daemon line)\n\(result)"
    }

    static func daemonJSON(_ fx: QueryFixture) throws -> [String: Any] {
        let result = try fx.ctl("status", ["-o", "json"])
        guard result.status == 0 else { throw QueryFixture.FixtureError("status -o json: \(result)") }
        return try QueryFixture.jsonObject(result.stdout)
    }

    @Test func runningDaemonTable() throws {
        let fx = try QueryFixture()
        try fx.setStatus(pid: Self.ownPid, heartbeatAge: 1)
        let result = try fx.ctl("status")
        #expect(result.status == 0, "\(result)")
        let lines = result.lines
        #expect(lines.first == "database:   \(fx.dbPath)")
        #expect(Self.daemonLine(result).hasPrefix("daemon:     running (pid \(Self.ownPid), heartbeat "), "\(result)")
        #expect(lines.contains { $0.hasPrefix("since:") && $0.hasSuffix("processed 42, 12.5 img/min") }, "\(result)")
        #expect(lines.contains("model:      clip-test-1"))
        #expect(lines.contains("config:     /etc/inspectd/inspectd.toml"))
        #expect(lines.contains("counts:     queued 1, processing 1, done 7, error 1"), "\(result)")
        #expect(lines.contains("queue:      2"))
        let latest = try #require(lines.firstIndex(of: "latest:"), "\(result)")
        #expect(lines.count == latest + 2 + 5, "header and the 5 latest rows:\n\(result)")
        #expect(lines[latest + 1].hasPrefix("ID") && lines[latest + 1].contains("VERDICT"))
        // Newest first by their table time column.
        let times = lines.dropFirst(latest + 2).map { String($0.dropFirst(8).prefix(19)) }
        #expect(times == times.sorted(by: >), "\(times)")
    }

    @Test func runningDaemonJSON() throws {
        let fx = try QueryFixture()
        try fx.setStatus(pid: Self.ownPid, heartbeatAge: 1)
        let obj = try Self.daemonJSON(fx)
        #expect(obj["daemon"] as? String == "running")
        #expect(obj["database"] as? String == fx.dbPath)
        #expect(obj["pid"] as? Int == Int(Self.ownPid))
        #expect(obj["processed"] as? Int == 42)
        #expect(obj["images_per_minute"] as? Double == 12.5)
        #expect(obj["model_version"] as? String == "clip-test-1")
        #expect(obj["config"] as? String == "/etc/inspectd/inspectd.toml")
        #expect(obj["heartbeat_at"] is String && obj["started_at"] is String)
        let counts = try #require(obj["counts"] as? [String: Int])
        #expect(counts == ["queued": 1, "processing": 1, "done": 7, "error": 1])
        let latest = try #require(obj["latest"] as? [[String: Any]])
        #expect(latest.count == 5)
        let keys = fx.keys(latest.map { ($0["id"] as? NSNumber)?.int64Value ?? -1 })
        // "The latest verdicts": finished rows only, so a backlog of queued images cannot hide them.
        #expect(keys == ["h", "f", "e", "g", "c"], "the 5 latest finished rows")
    }

    @Test func deadPidStaleHeartbeatOrStoppedIsNotRunning() throws {
        let fx = try QueryFixture()

        try fx.setStatus(pid: try Self.deadPid(), heartbeatAge: 1)
        #expect(try Self.daemonJSON(fx)["daemon"] as? String == "not running (last: running)", "dead pid")
        #expect(Self.daemonLine(try fx.ctl("status")).hasPrefix("daemon:     not running (last: running) (pid "))

        try fx.setStatus(pid: Self.ownPid, heartbeatAge: 120)
        #expect(try Self.daemonJSON(fx)["daemon"] as? String == "not running (last: running)", "stale heartbeat")
        #expect(Self.daemonLine(try fx.ctl("status")).hasPrefix("daemon:     not running (last: running) (pid \(Self.ownPid)"))

        try fx.setStatus(pid: Self.ownPid, heartbeatAge: 1, state: "stopped")
        #expect(try Self.daemonJSON(fx)["daemon"] as? String == "not running (last: stopped)", "clean stop")

        try fx.setStatus(pid: Self.ownPid, heartbeatAge: 1, state: "reloading")
        #expect(try Self.daemonJSON(fx)["daemon"] as? String == "reloading", "a live daemon's own state")
    }

    @Test func neverStartedWithoutAStatusRow() throws {
        let fx = try QueryFixture()
        let obj = try Self.daemonJSON(fx)
        #expect(obj["daemon"] as? String == "never started")
        #expect(obj["pid"] == nil)
        #expect((obj["counts"] as? [String: Int])?["done"] == 7)
        let table = try fx.ctl("status")
        #expect(Self.daemonLine(table) == "daemon:     never started")
        #expect(table.lines.contains("counts:     queued 1, processing 1, done 7, error 1"))
    }

    /// In production the daemon runs as its own user and QA runs inspectctl as theirs:
    /// kill(pid, 0) then fails with EPERM, which still means the process exists.
    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
                   "needs root (to run inspectctl as user nobody) and setpriv"))
    func aDaemonOwnedByAnotherUserIsRunning() throws {
        let fx = try QueryFixture()
        try fx.setStatus(pid: Self.ownPid, heartbeatAge: 1)
        // Let 'nobody' read the log (and its -wal/-shm) as an operator account could.
        let fm = FileManager.default
        try fm.setAttributes([.posixPermissions: 0o777], ofItemAtPath: fx.directory.path)
        for name in try fm.contentsOfDirectory(atPath: fx.directory.path) where name.hasPrefix("inspectd.db") {
            try fm.setAttributes([.posixPermissions: 0o666], ofItemAtPath: fx.directory.appendingPathComponent(name).path)
        }
        let result = try QueryFixture.run(
            ["status", "--db", fx.dbPath, "-o", "json"], in: fx.directory,
            launcher: ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        #expect(result.status == 0, "\(result)")
        let obj = try QueryFixture.jsonObject(result.stdout)
        #expect(obj["daemon"] as? String == "running", "pid \(Self.ownPid) belongs to root; kill(pid, 0) gives EPERM")
    }
}
