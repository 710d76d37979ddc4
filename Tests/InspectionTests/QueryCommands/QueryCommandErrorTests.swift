import Foundation
import GRDB
import Inspection
import Store
import Testing

/// Exit statuses and messages of the query commands when something is wrong: 3 database
/// missing, 4 database locked, 64 usage errors (swift-argument-parser's validation status).
@Suite struct QueryCommandErrorTests {
    @Test func missingDatabaseExitsThreeNamesThePathAndCreatesNothing() throws {
        let fx = try QueryFixture()
        let missing = fx.directory.appendingPathComponent("missing.db").path
        let noDirectory = fx.directory.appendingPathComponent("no-such-dir/inspectd.db").path
        let commands: [(String, [String])] = [("verdicts", []), ("status", []), ("show", ["1"]), ("stats", []),
                                              ("export", []), ("verdicts", ["-o", "json"]), ("status", ["-o", "json"])]
        for (command, arguments) in commands {
            for path in [missing, noDirectory] {
                let result = try fx.ctl(command, arguments, db: path)
                #expect(result.status == 3, "\(command) \(arguments) \(path): \(result)")
                #expect(result.stderr.contains(path), "\(command): \(result.stderr)")
                #expect(result.stderr.contains("database not found"), "\(command): \(result.stderr)")
                #expect(result.stdout.isEmpty, "\(command): \(result.stdout)")
            }
        }
        for suffix in ["", "-wal", "-shm", "-journal"] {
            #expect(!FileManager.default.fileExists(atPath: missing + suffix), "created \(missing + suffix)")
        }
        #expect(!FileManager.default.fileExists(atPath: fx.directory.appendingPathComponent("no-such-dir").path))
    }

    @Test func aFileThatIsNotAVerdictLogExitsFive() throws {
        let fx = try QueryFixture()
        let text = fx.directory.appendingPathComponent("notes.db").path
        try Data(String(repeating: "not a database, just text\n", count: 40).utf8).write(to: URL(fileURLWithPath: text))
        let empty = fx.directory.appendingPathComponent("empty.db").path
        _ = FileManager.default.createFile(atPath: empty, contents: nil)
        let other = fx.directory.appendingPathComponent("other.db").path
        do {
            let queue = try DatabaseQueue(path: other)
            try queue.write { db in try db.execute(sql: "CREATE TABLE notes (body TEXT)") }
            try queue.close()
        }
        for (path, detail) in [(text, "database error"), (empty, "not an inspectd verdict log"), (other, "not an inspectd verdict log")] {
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
            let result = try fx.ctl("verdicts", db: path)
            #expect(result.status == 5, "\(path): \(result)")
            #expect(result.stderr.contains(path) && result.stderr.contains(detail), "\(result.stderr)")
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == size, "unchanged")
        }
    }

    @Test func badTimeExpressionIsAUsageError() throws {
        let fx = try QueryFixture()
        let cases: [(String, [String], String)] = [
            ("verdicts", ["--since", "yesterdayish"], "yesterdayish"),
            ("verdicts", ["--until", "12x"], "12x"),
            ("verdicts", ["--since=-5h"], "-5h"),
            ("stats", ["--since", "last tuesday"], "last tuesday"),
            ("export", ["--until", "2023-13-45 99:99"], "2023-13-45 99:99"),
        ]
        for (command, arguments, text) in cases {
            let result = try fx.ctl(command, arguments)
            #expect(result.status == 64, "\(command) \(arguments): \(result)")
            #expect(result.stderr.contains("bad time expression '\(text)'"), "\(command) \(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        // A leading '-' without '=' is taken for a flag: still a usage error, not a time.
        let dash = try fx.ctl("verdicts", ["--since", "-5h"])
        #expect(dash.status == 64 && dash.stderr.contains("--since"), "\(dash)")
        // Usage errors are reported before the database is even looked for.
        let missing = try fx.ctl("verdicts", ["--since", "soon"], db: fx.directory.appendingPathComponent("none.db").path)
        #expect(missing.status == 64 && missing.stderr.contains("bad time expression 'soon'"), "\(missing)")
    }

    @Test func badFlagValuesAreUsageErrors() throws {
        let fx = try QueryFixture()
        let cases: [(String, [String], String)] = [
            ("verdicts", ["--verdict", "maybe"], "maybe"),
            ("stats", ["--verdict", "PASS"], "PASS"),
            ("export", ["--verdict", "ok"], "ok"),
            ("verdicts", ["-o", "xml"], "xml"),
            ("verdicts", ["--limit=-1"], "-1"),
            ("verdicts", ["--limit", "-1"], "--limit"),  // parsed as a missing value, still a usage error
            ("verdicts", ["--limit", "ten"], "ten"),
            ("verdicts", ["--min-score", "high"], "high"),
            ("stats", ["--by", "week"], "week"),
            ("export", ["--format", "xml"], "xml"),
            ("show", ["abc"], "abc"),
            ("show", [], "id"),
        ]
        for (command, arguments, mention) in cases {
            let result = try fx.ctl(command, arguments)
            #expect(result.status == 64, "\(command) \(arguments): \(result)")
            #expect(result.stderr.contains(mention), "\(command) \(arguments): \(result.stderr)")
        }
    }

    /// Another connection holding an exclusive lock past the reader's busy timeout (2 s).
    /// `BEGIN EXCLUSIVE` alone does not block WAL readers, so the holder is the only connection
    /// and opens in `locking_mode = EXCLUSIVE` (WAL index in heap memory, no -shm): its write
    /// transaction then takes the file's exclusive lock and keeps it until the connection closes.
    @Test(.timeLimit(.minutes(1))) func lockedDatabaseExitsFour() throws {
        let fx = try QueryFixture()
        let path = fx.directory.appendingPathComponent("locked.db").path
        do {
            let writer = try VerdictStore.openForWriting(path: path)
            try writer.recordDiscovered(DiscoveredFile(station: "line-1", path: "/cameras/x.png", size: 1, mtime: 0,
                                                       contentHash: "x"), at: QueryFixture.day)
        }  // the last connection is closed: no -wal or -shm left behind
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA locking_mode = EXCLUSIVE") }
        let holder = try DatabaseQueue(path: path, configuration: configuration)
        let (probe, locked) = try holder.inDatabase { db -> ((any Error)?, QueryFixture.Result) in
            try db.execute(sql: "BEGIN EXCLUSIVE")
            try db.execute(sql: "UPDATE inspections SET attempts = attempts + 1")
            // The lock is visible to another connection before inspectctl is started.
            var probe: (any Error)?
            do {
                _ = try VerdictStore.openReadOnly(path: path, busyTimeout: 0.1).counts()
            } catch {
                probe = error
            }
            let result = try fx.ctl("verdicts", db: path)
            try db.execute(sql: "ROLLBACK")
            return (probe, result)
        }
        try holder.close()
        #expect((probe as? StoreError)?.kind == "database_locked" && (probe as? StoreError)?.path == path, "in-process probe: \(String(describing: probe))")
        #expect(locked.status == 4, "\(locked)")
        #expect(locked.stderr.contains("database is locked"), "\(locked.stderr)")
        #expect(locked.stderr.contains(path))

        let after = try fx.ctl("verdicts", ["-o", "json"], db: path)
        #expect(after.status == 0, "works again once the lock is gone: \(after)")
        #expect(after.lines.count == 1)
    }
}
