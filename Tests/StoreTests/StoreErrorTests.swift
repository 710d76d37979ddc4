import Foundation
import GRDB
import Inspection
@testable import Store
import Testing
import TestSupport

/// Real failures of real files surface as the matching ``StoreError`` case, naming the file,
/// with the texts operators have always read.
@Suite struct StoreErrorTests {
    let t0 = StoreSamples.dayStart

    @Test func aWriterHoldingBeginExclusiveMakesWritesLocked() throws {
        let scratch = try StoreScratch()
        let path = scratch.path()
        let store = try VerdictStore.openForWriting(path: path, busyTimeout: 0.1)
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        let holder = try DatabaseQueue(path: path, configuration: configuration)
        try holder.writeWithoutTransaction { db in try db.execute(sql: "BEGIN EXCLUSIVE") }
        let error = thrownError(StoreError.self) { try store.recordDiscovered(StoreSamples.file(1), at: t0) }
        guard case let .locked(errorPath, reason)? = error else {
            Issue.record("expected locked, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path && reason.contains("locked"), "\(reason)")
        #expect(error?.description == "\(path): database is locked by another process; try again")
        try holder.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
        #expect(try store.recordDiscovered(StoreSamples.file(1), at: t0) != nil)
    }

    @Test func garbageBytesAreCorruptForWritersAndReaders() throws {
        let scratch = try StoreScratch()
        let path = scratch.path("garbage.sqlite")
        // Deterministic noise (a multiplicative hash of the offset), nothing like a SQLite header.
        let bytes = (0..<8192).map { (i: UInt32) in UInt8(truncatingIfNeeded: (i &* 2_654_435_761) >> 13) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let openers: [(String, () throws -> VerdictStore)] = [
            ("writer", { try VerdictStore.openForWriting(path: path) }),
            ("reader", { try VerdictStore.openReadOnly(path: path) }),
            ("labeller", { try VerdictStore.openExistingForWriting(path: path) }),
        ]
        for (name, open) in openers {
            let error = thrownError(StoreError.self, open)
            guard case let .corrupt(errorPath, reason)? = error else {
                Issue.record("\(name): expected corrupt, got \(String(describing: error))")
                continue
            }
            #expect(errorPath == path && reason.contains("not a database"), "\(name): \(reason)")
            #expect(error?.description.hasPrefix("\(path): database error: ") == true)
        }
    }

    @Test func aMigrationThisVersionDoesNotKnowIsSchemaTooNew() throws {
        let scratch = try StoreScratch()
        let path = scratch.path()
        do {
            let store = try VerdictStore.openForWriting(path: path)
            try store.write { db in
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9-future'), ('v8-future')")
            }
        }
        #expect(throws: StoreError.schemaTooNew(path: path, unknownMigrations: ["v8-future", "v9-future"])) {
            try VerdictStore.openForWriting(path: path)
        }
        #expect(throws: StoreError.schemaTooNew(path: path, unknownMigrations: ["v8-future", "v9-future"])) {
            try VerdictStore.openExistingForWriting(path: path)
        }
        let error = StoreError.schemaTooNew(path: path, unknownMigrations: ["v9-future"])
        #expect(error.description == "\(path): database error: written by a newer inspectd "
                    + "(unknown schema migrations: v9-future); upgrade inspectd")
    }

    @Test func notNullAndCheckViolationsAreConstraintErrors() throws {
        let scratch = try StoreScratch()
        let store = try VerdictStore.openForWriting(path: scratch.path())
        try store.recordDiscovered(StoreSamples.file(1), at: t0)
        let statements = [
            ("NOT NULL", "INSERT INTO labels (path, content_hash, kind, author, created_at, source) VALUES ('p', 'h', 'good', NULL, 0, 'cli')"),
            ("CHECK", "UPDATE inspections SET attempts = -1"),
            ("CHECK", "UPDATE inspections SET state = 'done'"),
        ]
        for (rule, sql) in statements {
            let error = thrownError(StoreError.self) { try store.write { db in try db.execute(sql: sql) } }
            guard case let .constraint(path, reason)? = error else {
                Issue.record("\(sql): expected constraint, got \(String(describing: error))")
                continue
            }
            #expect(path == store.path && reason.contains(rule), "\(reason)")
        }
        #expect(try store.record(id: 1).attempts == 0)
    }

    @Test func aFullDatabaseIsFull() throws {
        let scratch = try StoreScratch()
        let store = try VerdictStore.openForWriting(path: scratch.path())
        let pages = try store.write { db in try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0 }
        let error = thrownError(StoreError.self) {
            try store.write { db in
                try db.execute(sql: "PRAGMA max_page_count = \(pages + 1)")
                try db.execute(sql: "INSERT INTO station_calibration (station, good_count, defect_count, note, updated_at) "
                                   + "VALUES ('line-1', 0, 0, ?, 0)", arguments: [String(repeating: "x", count: 100_000)])
            }
        }
        guard case let .full(path, reason)? = error else {
            Issue.record("expected full, got \(String(describing: error))")
            return
        }
        #expect(path == store.path && reason.contains("full"), "\(reason)")
    }

    @Test func aMissingFileIsNotFoundWithTheFamiliarText() throws {
        let scratch = try StoreScratch()
        let path = scratch.path("absent.sqlite")
        #expect(throws: StoreError.missing(path)) { try VerdictStore.openReadOnly(path: path) }
        #expect(throws: StoreError.missing(path)) { try VerdictStore.openExistingForWriting(path: path) }
        #expect(StoreError.missing(path).description
                    == "\(path): database not found (is inspectd running, and is --db / database = right?)")
        let noDirectory = scratch.path("nowhere/verdicts.sqlite")
        #expect(throws: StoreError.notFound(path: noDirectory, reason: "directory \(scratch.path("nowhere")) does not exist")) {
            try VerdictStore.openForWriting(path: noDirectory)
        }
    }

    /// Extended result codes map by their primary code.
    @Test func sqliteCodesMapInOnePlace() {
        let cases: [(ResultCode, String)] = [
            (.SQLITE_BUSY, "database_locked"), (.SQLITE_BUSY_SNAPSHOT, "database_locked"), (.SQLITE_LOCKED, "database_locked"),
            (.SQLITE_FULL, "database_full"), (.SQLITE_IOERR, "database_io"), (.SQLITE_IOERR_SHORT_READ, "database_io"),
            (.SQLITE_CANTOPEN, "database_io"), (.SQLITE_CORRUPT, "database_corrupt"), (.SQLITE_NOTADB, "database_corrupt"),
            (.SQLITE_CONSTRAINT_NOTNULL, "database_constraint"), (.SQLITE_CONSTRAINT_CHECK, "database_constraint"),
            (.SQLITE_READONLY, "database"), (.SQLITE_MISUSE, "database"),
        ]
        for (code, kind) in cases {
            let error = StoreError.from(DatabaseError(resultCode: code, message: "m"), path: "/db")
            #expect(error.kind == kind && error.path == "/db", "\(code)")
            #expect(error.reason == "m (SQLite code \(code.rawValue))")
        }
    }

    /// Decoding errors of rows the schema should have prevented are corrupt, not a crash.
    @Test func aHandEditedRowIsCorrupt() throws {
        let scratch = try StoreScratch()
        let store = try VerdictStore.openForWriting(path: scratch.path())
        try store.addFinished(StoreSamples.file(1), at: t0, verdict: .pass)
        try store.write { db in
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            try db.execute(sql: "UPDATE inspections SET verdict = 'maybe' WHERE id = 1")
            try db.execute(sql: "PRAGMA ignore_check_constraints = OFF")
        }
        #expect(throws: StoreError.corrupt(path: store.path, reason: "inspection 1 has unknown verdict 'maybe'")) {
            try store.record(id: 1)
        }
    }
}
