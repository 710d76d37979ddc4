import Config
import Foundation
import Inspection
import Logging
import Store
import Testing
import TestSupport
@testable import Fleet

/// The shipper against a real PostgreSQL server (a throwaway cluster, see `PostgresServer`):
/// the central schema, exactly-once rows under re-sent batches and a server outage, the
/// fleet queries, publishing and following, and that the password never reaches a log line
/// or an error. Skipped with a message when PostgreSQL is not installed.
@Suite(.serialized) struct FleetReplicationTests {
    static func fleet(_ server: PostgresServer, site: String) throws -> FleetConfiguration {
        var c = FleetConfiguration(url: try FleetURL(parsing: server.url), site: site)
        c.batchSize = 25
        c.maxBackoff = 0.5
        return c
    }

    static func count(_ server: PostgresServer, _ sql: String) throws -> Int {
        Int(try server.psql(sql).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// Waits until `condition` holds (polling), or fails after `timeout` seconds.
    static func waitUntil(_ timeout: Double, _ what: String, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? condition()) == true { return }
            usleep(100_000)
        }
        Issue.record("timed out after \(timeout) s waiting for \(what)")
    }

    @Test func schemaMigrationIsVersionedAndRepeatable() throws {
        guard let server = try PostgresServer.make(test: "schemaMigrationIsVersionedAndRepeatable") else { return }
        let connection = try FleetConnection(url: try FleetURL(parsing: server.url))
        defer { connection.close() }
        #expect(throws: FleetError.self) { _ = try FleetQueries(connection: connection) }
        #expect(try CentralSchema.migrate(connection) == ["c1-fleet"])
        #expect(try CentralSchema.migrate(connection) == [])
        let indexes = try server.psql("SELECT indexname FROM pg_indexes WHERE tablename = 'verdicts' ORDER BY 1")
        for name in ["verdicts_on_time", "verdicts_on_site_station_time", "verdicts_on_verdict_time"] {
            #expect(indexes.contains(name))
        }
        try server.psql("INSERT INTO fleet_schema_migrations (name) VALUES ('c99-from-the-future')")
        #expect(throws: FleetError.self) { try CentralSchema.migrate(connection) }
    }

    @Test func shipsEverythingExactlyOnceAcrossResendsAndAnOutage() throws {
        guard let server = try PostgresServer.make(test: "shipsEverythingExactlyOnceAcrossResendsAndAnOutage") else { return }
        let setup = try FleetConnection(url: try FleetURL(parsing: server.url))
        try CentralSchema.migrate(setup)
        setup.close()
        let scratch = try StoreScratch()
        let store = try VerdictStore.openForWriting(path: scratch.path())
        let logs = LogCollector()
        let shipper = FleetShipper(store: store, fleet: try Self.fleet(server, site: "plant-a/line-3"), stations: [],
                                   logger: logs.logger())
        shipper.idleInterval = 0.1
        try shipper.start()
        defer { shipper.stop() }

        var ids = [Int64]()
        for n in 0..<60 {
            let verdict: Verdict? = n % 10 == 9 ? nil : (n % 3 == 0 ? .fail : .pass)
            ids.append(try store.addFinished(StoreSamples.file(n), at: StoreSamples.dayStart + Double(n), verdict: verdict,
                                             score: n % 3 == 0 ? 0.9 : 0.1, map: n == 0 ? try StoreSamples.map() : nil))
        }
        try store.addLabel(inspectionID: ids[0], kind: .defect, defectClass: "scratch", note: "deep", mask: nil,
                           author: "qa", at: StoreSamples.dayStart + 100)
        try Self.waitUntil(30, "60 verdicts shipped") { try Self.count(server, "SELECT count(*) FROM verdicts") == 60 }
        try Self.waitUntil(30, "the outbox drained") { try store.outboxStatus().size == 0 }
        #expect(try Self.count(server, "SELECT count(*) FROM labels") == 1)
        #expect(try server.psql("SELECT map_ref FROM verdicts WHERE local_id = \(ids[0])").contains("inspectd://plant-a/line-3/line-1/inspections/"))

        // The server goes away: inspection (here: the store) carries on, the outbox grows.
        try server.stop()
        let began = Date()
        for n in 60..<120 {
            ids.append(try store.addFinished(StoreSamples.file(n), at: StoreSamples.dayStart + Double(n), verdict: .review, score: 0.5))
        }
        #expect(Date().timeIntervalSince(began) < 10, "writes must not wait for the fleet database")
        usleep(1_500_000)
        #expect(try store.outboxStatus().size >= 60)
        #expect(try store.outboxStatus().lastError != nil, "\(logs.lines.suffix(5))")
        try server.start()
        try Self.waitUntil(60, "120 verdicts after the restart") { try Self.count(server, "SELECT count(*) FROM verdicts") == 120 }
        try Self.waitUntil(30, "the outbox drained again") { try store.outboxStatus().size == 0 }

        // A batch shipped again (the daemon died between the server's commit and the local
        // delete) changes nothing: the rows are keyed by (site, station, local id).
        let connection = try FleetConnection(url: try FleetURL(parsing: server.url))
        defer { connection.close() }
        try store.configureOutbox(enabled: true, capacity: 1000)
        try store.addLabel(inspectionID: ids[1], kind: .good, defectClass: nil, note: nil, mask: nil, author: "qa",
                           at: StoreSamples.dayStart + 200)
        shipper.stop()
        let entries = try store.outboxBatch(limit: 100)
        let resend = entries + entries
        try shipper.ship(resend, over: connection)
        try shipper.ship(entries, over: connection)
        #expect(try Self.count(server, "SELECT count(*) FROM verdicts") == 120)
        #expect(try Self.count(server, "SELECT count(*) FROM (SELECT site, station, local_id FROM verdicts GROUP BY 1, 2, 3 HAVING count(*) > 1) d") == 0)
        #expect(try Self.count(server, "SELECT count(*) FROM labels") == 2)

        // The fleet queries agree with the local ones, station for station.
        let local = try store.stats(VerdictFilter(), bucket: .none)
        let central = try FleetQueries(connection: connection).stats(VerdictFilter(), bucket: .none, sites: [])
        #expect(central.map(\.station) == local.map { "plant-a/line-3/\($0.station)" })
        #expect(central.map(\.total) == local.map(\.total) && central.map(\.fail) == local.map(\.fail)
                && central.map(\.errors) == local.map(\.errors) && central.map(\.review) == local.map(\.review))
        var failsOnly = VerdictFilter(verdicts: [.fail], limit: 5)
        failsOnly.newestFirst = true
        let rows = try FleetQueries(connection: connection).records(failsOnly, sites: ["plant-a/line-3"])
        let expected = try store.records(failsOnly)
        #expect(rows.map(\.id) == expected.map(\.id))
        #expect(rows.map { $0.station } == expected.map { "plant-a/line-3/\($0.station)" })
        #expect(try FleetQueries(connection: connection).records(VerdictFilter(), sites: ["elsewhere"]).isEmpty)

        for line in logs.lines { #expect(!line.contains(server.password), "\(line)") }
    }

    /// An entry the server refuses for its content (here a CHECK constraint an administrator
    /// added centrally, SQLSTATE 23514) is found by shipping one by one and dropped, counted
    /// and logged; every other entry of its batch and behind it arrives.
    @Test func anEntryTheServerRefusesIsDroppedAndTheRestShips() throws {
        guard let server = try PostgresServer.make(test: "anEntryTheServerRefusesIsDroppedAndTheRestShips") else { return }
        let setup = try FleetConnection(url: try FleetURL(parsing: server.url))
        try CentralSchema.migrate(setup)
        setup.close()
        try server.psql("ALTER TABLE labels ADD CONSTRAINT no_poison CHECK (record->>'note' IS DISTINCT FROM 'poison')")
        let scratch = try StoreScratch()
        let store = try VerdictStore.openForWriting(path: scratch.path())
        let logs = LogCollector()
        try store.configureOutbox(enabled: true, capacity: 1000)
        var ids = [Int64]()
        for n in 0..<30 {
            ids.append(try store.addFinished(StoreSamples.file(n), at: StoreSamples.dayStart + Double(n), verdict: .pass,
                                             score: 0.1))
            if n == 10 {
                try store.addLabel(inspectionID: ids[n], kind: .defect, defectClass: "scratch", note: "poison",
                                   mask: nil, author: "qa", at: StoreSamples.dayStart + 50)
            }
        }
        try store.addLabel(inspectionID: ids[3], kind: .good, defectClass: nil, note: "fine", mask: nil, author: "qa",
                           at: StoreSamples.dayStart + 60)
        let shipper = FleetShipper(store: store, fleet: try Self.fleet(server, site: "plant-a/line-4"), stations: [],
                                   logger: logs.logger())
        shipper.idleInterval = 0.1
        try shipper.start()
        defer { shipper.stop() }
        try Self.waitUntil(60, "the outbox drained") { try store.outboxStatus().size == 0 }
        #expect(try Self.count(server, "SELECT count(*) FROM verdicts") == 30)
        #expect(try Self.count(server, "SELECT count(*) FROM labels") == 1)
        let status = try store.outboxStatus()
        #expect(status.dropped == 1)
        #expect(logs.lines.contains { $0.contains("entry dropped because the fleet database refuses it") }, "\(logs.lines.suffix(5))")
        #expect(try store.labelHistory(contentHash: try store.record(id: ids[10]).contentHash).count == 1,
                "the label stays in the station's database")
    }

    @Test func sslmodeRequireConnectsOverTLS() throws {
        guard let server = try PostgresServer.make(test: "sslmodeRequireConnectsOverTLS", tls: true) else { return }
        let url = server.url.replacingOccurrences(of: "sslmode=disable", with: "sslmode=require")
        let connection = try FleetConnection(url: try FleetURL(parsing: url))
        defer { connection.close() }
        let row = try #require(try connection.run("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", action: "test").first)
        #expect(try connection.decode(row, "ssl", as: Bool.self, action: "test"))
        // verify-full checks the certificate: a self-signed one is refused.
        let strict = server.url.replacingOccurrences(of: "sslmode=disable", with: "sslmode=verify-full")
        #expect(throws: FleetError.self) { _ = try FleetConnection(url: try FleetURL(parsing: strict)) }
    }

    @Test func thePasswordNeverReachesLogsStatusOrErrors() throws {
        guard let server = try PostgresServer.make(test: "thePasswordNeverReachesLogsStatusOrErrors") else { return }
        // A wrong password in the URL: the error names the URL redacted.
        let wrong = server.urlWithPassword.replacingOccurrences(of: server.password, with: "not-\(server.password)")
        let wrongURL = try FleetURL(parsing: wrong)
        do {
            _ = try FleetConnection(url: wrongURL)
            Issue.record("connected with a wrong password")
        } catch {
            #expect(!error.description.contains(server.password), "\(error)")
            #expect(error.description.contains(":***@"), "\(error)")
        }
        // The right password in the URL, then the server stops: log lines and the status row
        // say what failed, never with the password.
        let scratch = try StoreScratch()
        let store = try VerdictStore.openForWriting(path: scratch.path())
        let logs = LogCollector()
        var fleet = FleetConfiguration(url: try FleetURL(parsing: server.urlWithPassword), site: "s")
        fleet.maxBackoff = 0.2
        let shipper = FleetShipper(store: store, fleet: fleet, stations: [], logger: logs.logger())
        shipper.idleInterval = 0.05
        try shipper.start()
        try store.addFinished(StoreSamples.file(1), at: StoreSamples.dayStart, verdict: .pass)
        try Self.waitUntil(20, "a failure (no schema yet)") { try store.outboxStatus().lastError != nil }
        #expect(try store.outboxStatus().lastError?.contains("inspectctl fleet init") == true)
        try server.stop()
        usleep(800_000)
        shipper.stop()
        let status = try store.outboxStatus()
        #expect(status.size == 1)
        #expect(!(status.lastError ?? "").contains(server.password))
        #expect(!logs.lines.isEmpty)
        for line in logs.lines { #expect(!line.contains(server.password), "\(line)") }
    }

    @Test func aPublishedVersionBecomesACandidateWithAJudgingJobOnce() throws {
        guard let server = try PostgresServer.make(test: "aPublishedVersionBecomesACandidateWithAJudgingJobOnce") else { return }
        let connection = try FleetConnection(url: try FleetURL(parsing: server.url))
        defer { connection.close() }
        try CentralSchema.migrate(connection)
        let scratchA = try StoreScratch(), scratchB = try StoreScratch()
        let a = try VerdictStore.openForWriting(path: scratchA.path())
        let b = try VerdictStore.openForWriting(path: scratchB.path())
        let prompts: [UInt8] = Array("prompts".utf8)
        let versionA = try a.insertVersion(ModelVersionRecord(station: "cam", base: "base-1", status: .active, source: .trained,
                                                              createdAt: StoreSamples.dayStart, prompts: prompts,
                                                              promptsHash: ContentHash.sha256(prompts), classifier: "{}"))
        let activeB = try b.insertVersion(ModelVersionRecord(station: "cam-b", base: "base-1", status: .active,
                                                             source: .configured, createdAt: StoreSamples.dayStart))
        let published = try FleetPublisher.publish(try a.version(id: versionA), product: "product-x", site: "plant-a",
                                                   by: "qa", over: connection)
        #expect(published.isNew)
        #expect(try FleetPublisher.publish(try a.version(id: versionA), product: "product-x", site: "plant-a", by: "qa",
                                           over: connection) == (published.id, false))

        let follower = PublishedFollower(store: b, site: "plant-b", following: [("cam-b", "product-x")],
                                         logger: LogCollector().logger())
        try follower.check(over: connection)
        try follower.check(over: connection)
        let versions = try b.versions(station: "cam-b")
        #expect(versions.count == 2, "imported once")
        let candidate = try #require(versions.first { $0.id != activeB })
        #expect(candidate.status == .candidate && candidate.source == .imported && candidate.parentID == activeB)
        #expect(try b.version(id: candidate.id).prompts == prompts)
        #expect(candidate.note?.contains("plant-a/cam") == true)
        let job = try #require(try b.trainingJobs(open: true).first)
        #expect(job.trigger == VerdictStore.publishedTrigger && job.candidateID == candidate.id)
        #expect(try b.activeVersion(station: "cam-b")?.id == activeB, "never activated blindly")
    }
}
