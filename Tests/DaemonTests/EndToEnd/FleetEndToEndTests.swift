import Foundation
import Glibc
import Inspection
import Store
import Testing
import TestSupport

/// Fleet replication with the real binaries and a real PostgreSQL server (a throwaway
/// cluster on a free loopback port; skipped with a message when PostgreSQL is absent): two
/// inspectd instances of two sites score 200 images each while the server is stopped for a
/// while and restarted, and one daemon is killed -9 while it ships; afterwards the server
/// holds exactly 400 verdict rows, none twice, and `inspectctl stats --db postgres://…`
/// matches the two SQLite files. Then a version published on site A is imported by site B
/// as a candidate, judged on B's own held-out labels, and the decision is recorded.
@Suite(.serialized) struct FleetEndToEndTests {
    static func ctl(_ args: [String]) throws -> (status: Int32, text: String) {
        try DaemonHarness.inspectctl(args)
    }

    static func count(_ server: PostgresServer, _ sql: String) -> Int {
        Int(((try? server.psql(sql)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    static func waitUntil(_ timeout: Double, _ what: String, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? condition()) == true { return }
            usleep(200_000)
        }
        throw HarnessError("timed out after \(timeout) s waiting for \(what)")
    }

    static func fleetTable(_ server: PostgresServer, site: String) -> String {
        """
        [fleet]
        url = "\(server.url)"
        site = "\(site)"
        batch_size = 20
        max_backoff = 1
        follow_interval = 1
        """
    }

    /// Stats as JSON lines keyed by station, without the fleet's site prefix.
    static func stats(_ args: [String], stripping prefix: String = "") throws -> [String: String] {
        let (status, text) = try ctl(["stats", "-o", "json"] + args)
        guard status == 0 else { throw HarnessError("inspectctl stats \(args.first ?? "") failed: \(text)") }
        var result = [String: String]()
        for line in text.split(separator: "\n") {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  var station = object["station"] as? String else { continue }
            if station.hasPrefix(prefix) { station.removeFirst(prefix.count) }
            var copy = object
            copy["station"] = station
            let data = try JSONSerialization.data(withJSONObject: copy, options: [.sortedKeys])
            result[station] = String(decoding: data, as: UTF8.self)
        }
        return result
    }

    @Test func twoSitesAnOutageAndAKillNineGiveExactlyOneRowPerVerdict() throws {
        guard let server = try PostgresServer.make(test: "twoSitesAnOutageAndAKillNineGiveExactlyOneRowPerVerdict") else { return }
        let (initStatus, initText) = try Self.ctl(["fleet", "init", "--db", server.url])
        #expect(initStatus == 0, "\(initText)")
        #expect(!initText.contains(server.password))

        let a = try DaemonHarness(fixtures: DaemonHarness.bundledFixtures)
        let b = try DaemonHarness(fixtures: DaemonHarness.bundledFixtures)
        try a.writeConfig(top: Self.fleetTable(server, site: "plant-a/line-1"))
        let following = """
            follow_published = "product-x"
            [retrain]
            enabled = false
            holdout_fraction = 0.34
            min_labels_per_class = 4
            """
        try b.writeConfig(extra: following, top: Self.fleetTable(server, site: "plant-b/line-2"))
        try a.start()
        try b.start()

        // First half: both sites ship while the server is up; A is killed -9 while its
        // shipper is mid-stream (rows still arriving in the server).
        for i in 0..<100 {
            try a.writeAtomically("a-\(i).png", try a.pngBytes())
            try b.writeAtomically("b-\(i).png", try b.pngBytes())
        }
        try Self.waitUntil(120, "site A's first rows in the server") {
            Self.count(server, "SELECT count(*) FROM verdicts WHERE site = 'plant-a/line-1'") >= 20
        }
        a.kill9()
        let shippedBeforeKill = Self.count(server, "SELECT count(*) FROM verdicts WHERE site = 'plant-a/line-1'")
        print("FLEET-E2E site A killed -9 with \(shippedBeforeKill) rows shipped")

        // Outage: the server stops; A restarts and both score the second half meanwhile.
        try server.stop()
        try a.start()
        for i in 100..<200 {
            try a.writeAtomically("a-\(i).png", try a.pngBytes())
            try b.writeAtomically("b-\(i).png", try b.pngBytes())
        }
        _ = try a.waitForFinished(200, timeout: 240)
        _ = try b.waitForFinished(200, timeout: 240)
        let (statusText, statusOutput) = try a.inspectctl(["status"])
        #expect(statusText == 0 && statusOutput.contains("fleet:      outbox"), "\(statusOutput)")
        #expect(!statusOutput.contains(server.password))
        try server.start()

        try Self.waitUntil(120, "400 verdict rows in the server") {
            Self.count(server, "SELECT count(*) FROM verdicts") == 400
        }
        try Self.waitUntil(30, "both outboxes drained") {
            try VerdictStore.openReadOnly(path: a.database).outboxStatus().size == 0
                && VerdictStore.openReadOnly(path: b.database).outboxStatus().size == 0
        }
        #expect(Self.count(server, "SELECT count(*) FROM verdicts") == 400)
        #expect(Self.count(server, "SELECT count(*) FROM (SELECT site, station, local_id FROM verdicts GROUP BY 1, 2, 3 HAVING count(*) > 1) d") == 0)
        #expect(Self.count(server, "SELECT count(*) FROM (SELECT DISTINCT site, content_hash FROM verdicts) d") == 400)
        #expect(Self.count(server, "SELECT count(*) FROM verdicts WHERE site = 'plant-a/line-1'") == 200)

        // inspectctl stats over the fleet matches each site's SQLite file.
        let fleetA = try Self.stats(["--db", server.url, "--site", "plant-a/line-1"], stripping: "plant-a/line-1/")
        let fleetB = try Self.stats(["--db", server.url, "--site", "plant-b/line-2"], stripping: "plant-b/line-2/")
        #expect(fleetA == (try Self.stats(["--db", a.database])))
        #expect(fleetB == (try Self.stats(["--db", b.database])))
        #expect(fleetA["line1"]?.contains("\"total\":200") == true, "\(fleetA)")
        // verdicts and export print the same formats; only the station names its site.
        for args in [["verdicts", "--limit", "0", "-o", "csv"], ["export", "--format", "json"]] {
            let central = try Self.ctl(args + ["--db", server.url, "--site", "plant-b/line-2"])
            let local = try Self.ctl(args + ["--db", b.database])
            #expect(central.status == 0 && local.status == 0, "\(central.text)")
            #expect(central.text.replacingOccurrences(of: "plant-b/line-2/line1", with: "line1") == local.text)
        }
        let (siteStatus, siteText) = try Self.ctl(["verdicts", "--db", a.database, "--site", "x"])
        #expect(siteStatus == 64 && siteText.contains("--site"), "\(siteText)")

        // Publish on A, follow on B: B imports a candidate and judges it on its own labels.
        var parts = RetrainEndToEndTests.Parts(state: 7)
        _ = try RetrainEndToEndTests.dropAndLabel(b, parts: &parts, good: 8, defect: 8, tag: "lab", alreadyDone: 200)
        let activeA = try #require(try VerdictStore.openReadOnly(path: a.database).activeVersionSummaries()["line1"])
        let (publishStatus, publishText) = try Self.ctl(["model", "publish", "\(activeA.id)", "--product", "product-x",
                                                         "--config", a.configPath, "--db", a.database])
        #expect(publishStatus == 0, "\(publishText)")
        var judged: ModelVersionRecord?
        try Self.waitUntil(240, "site B to judge the published version") {
            let store = try VerdictStore.openReadOnly(path: b.database)
            judged = try store.versions(station: "line1").first { $0.source == .imported && $0.decision != nil }
            // The job row is finished just after the decision is written to the version.
            guard let id = judged?.id else { return false }
            return try store.trainingJobs().contains { $0.candidateID == id && $0.state.isFinal }
        }
        let candidate = try #require(judged)
        print("FLEET-E2E published candidate on B: \(candidate.status) \(candidate.decision ?? "-")")
        #expect(candidate.status == .active || candidate.status == .rejected)
        #expect(candidate.metrics != nil && !candidate.heldOutLabelIDs.isEmpty)
        #expect(candidate.note?.contains("plant-a/line-1/line1") == true)
        let job = try #require(try VerdictStore.openReadOnly(path: b.database).trainingJobs().first { $0.candidateID == candidate.id })
        #expect(job.trigger == "published" && job.state == .finished, "\(job.message ?? "-")")
        // The decision travels to the fleet like any version change.
        try Self.waitUntil(30, "the decision in the fleet database") {
            Self.count(server, "SELECT count(*) FROM model_versions WHERE site = 'plant-b/line-2' AND local_id = \(candidate.id) AND decision IS NOT NULL") == 1
        }
        #expect(a.stop() == 0)
        #expect(b.stop() == 0)
    }
}
