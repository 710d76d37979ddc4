import Foundation
import Inspection
import Store
import TestSupport
import Testing

/// The review station over real HTTP: the real `inspectd-web` binary on a loopback port,
/// serving a real SQLite verdict log that the test writes through the Store as the daemon
/// would.
@Suite(.serialized)
struct WebTests {
    @Test func listFiltersAndSecurityHeaders() throws {
        let h = try WebHarness()
        let now = Date().timeIntervalSince1970
        let pass = try h.addVerdict(1, station: "line-1", verdict: .pass, score: 0.12, at: now - 30)
        let fail = try h.addVerdict(2, station: "line-2", verdict: .fail, score: 0.91, at: now - 20, defectClass: "scratch")
        let review = try h.addVerdict(3, station: "line-1", verdict: .review, score: 0.55, at: now - 10)
        try h.start()
        var client = h.client()

        let all = try client.get("/")
        #expect(all.status == 200)
        for id in [pass, fail, review] { #expect(all.text.contains("href=\"/inspection/\(id)\"")) }
        #expect(all.header("Content-Security-Policy")?.contains("script-src 'self'") == true)
        #expect(all.header("Content-Security-Policy")?.contains("frame-ancestors 'none'") == true)
        #expect(all.header("X-Frame-Options") == "DENY")
        #expect(all.header("X-Content-Type-Options") == "nosniff")
        #expect(all.header("Referrer-Policy") == "same-origin")
        let visitor = all.headers("Set-Cookie").first { $0.hasPrefix("inspectd_visitor=") } ?? ""
        #expect(visitor.contains("HttpOnly") && visitor.contains("SameSite=Strict"))

        let station = try client.get("/?station=line-2")
        #expect(station.text.contains("/inspection/\(fail)\"") && !station.text.contains("/inspection/\(pass)\""))
        let verdict = try client.get("/?verdict=review&verdict=pass")
        #expect(verdict.text.contains("/inspection/\(review)\"") && verdict.text.contains("/inspection/\(pass)\"")
                && !verdict.text.contains("/inspection/\(fail)\""))
        let scores = try client.get("/?min=0.5&max=0.9")
        #expect(scores.text.contains("/inspection/\(review)\"") && !scores.text.contains("/inspection/\(fail)\""))
        let byClass = try client.get("/?class=scratch")
        #expect(byClass.text.contains("/inspection/\(fail)\"") && !byClass.text.contains("/inspection/\(review)\""))
        _ = try h.store.addLabel(inspectionID: pass, kind: .good, defectClass: nil, note: nil, mask: nil, author: "t", at: now)
        let unlabelled = try client.get("/?labelled=no")
        #expect(!unlabelled.text.contains("/inspection/\(pass)\"") && unlabelled.text.contains("/inspection/\(review)\""))
        let labelled = try client.get("/?labelled=yes")
        #expect(labelled.text.contains("/inspection/\(pass)\"") && !labelled.text.contains("/inspection/\(review)\""))
        let paged = try client.get("/?size=1&page=2")
        #expect(paged.text.contains("/inspection/\(review - 1)\"") || paged.text.contains("/inspection/\(fail)\""))
        #expect(paged.text.contains("3 matching"))

        let bad = try client.get("/?min=lots")
        #expect(bad.status == 400)
        #expect(bad.text.contains("min: expected a score such as 0.5 (got lots)"))
        let badTime = try client.get("/?since=yesterdayish")
        #expect(badTime.status == 400)
    }

    @Test func detailImageOverlayAndThumbnailBytes() throws {
        let h = try WebHarness()
        let id = try h.addVerdict(7, station: "line-1", verdict: .review, score: 0.47)
        try h.start()
        var client = h.client()
        let record = try h.store.record(id: id)

        let page = try client.get("/inspection/\(id)")
        #expect(page.status == 200)
        #expect(page.text.contains(HTMLText.escape(record.path)))
        #expect(page.text.contains(record.contentHash))
        #expect(page.text.contains("src=\"/overlay/\(id)\""))
        let map = try #require(try h.store.map(id: id))
        #expect(page.text.contains(String(format: "%.3f", Double(map.minimum))))
        #expect(page.text.contains(String(format: "%.3f", Double(map.maximum))))
        #expect(try client.get("/inspection/999999").status == 404)

        let original = try client.get("/image/\(id)")
        #expect(original.status == 200)
        #expect(original.header("Content-Type") == "image/png")
        #expect(original.body == Array(try Data(contentsOf: URL(fileURLWithPath: record.path))))

        let overlay = try client.get("/overlay/\(id)")
        #expect(overlay.status == 200 && overlay.header("Content-Type") == "image/png")
        let layer = try ImageDecoder().decode(data: overlay.body, name: "overlay").image
        #expect(layer.width == WebHarness.imageWidth && layer.height == WebHarness.imageHeight)
        let thumb = try client.get("/thumb/\(id)")
        #expect(thumb.status == 200)
        let small = try ImageDecoder().decode(data: thumb.body, name: "thumb").image
        #expect(small.width == WebHarness.imageWidth && small.height == WebHarness.imageHeight)
        #expect(small.pixels != layer.pixels)
        #expect(try client.get("/image/424242").status == 404)
    }

    @Test func labellingNeedsASessionAndAValidCSRFToken() throws {
        let h = try WebHarness()
        let id = try h.addVerdict(3, verdict: .review, score: 0.5)
        try h.start()
        let hash = try h.store.record(id: id).contentHash

        // No session: refused, nothing written.
        var anonymous = h.client()
        let page = try anonymous.get("/inspection/\(id)")
        let anonymousToken = HTTPClient.csrf(in: page.text) ?? ""
        let refused = try anonymous.post("/label/\(id)", [("csrf", anonymousToken), ("kind", "good")])
        #expect(refused.status == 401)
        #expect(try h.store.labelHistory(contentHash: hash).isEmpty)

        // Wrong password: no session.
        var guesser = h.client()
        let login = try guesser.get("/login")
        let wrong = try guesser.post("/login", [("csrf", HTTPClient.csrf(in: login.text) ?? ""), ("user", WebHarness.user),
                                                ("password", "not it")])
        #expect(wrong.status == 401 && guesser.cookies["inspectd_session"] == nil)

        var (client, csrf) = try h.signedInClient()
        let session = try #require(client.get("/").headers("Set-Cookie").isEmpty ? client.cookies["inspectd_session"] : nil)
        #expect(!session.isEmpty)
        let forged = try client.post("/label/\(id)", [("csrf", String(repeating: "0", count: 64)), ("kind", "good")])
        #expect(forged.status == 403)
        let missing = try client.post("/label/\(id)", [("kind", "good")])
        #expect(missing.status == 403)
        #expect(try h.store.labelHistory(contentHash: hash).isEmpty)

        let saved = try client.post("/label/\(id)", [("csrf", csrf), ("kind", "defect"), ("class", "dent"),
                                                    ("note", "seen at the line"), ("next", "/queue")])
        #expect(saved.status == 303)
        #expect(saved.header("Location") == "/queue")
        let label = try #require(try h.store.labelHistory(contentHash: hash).last)
        #expect(label.kind == .defect && label.defectClass == "dent" && label.author == WebHarness.user)
        #expect(label.source == "web" && label.note == "seen at the line" && label.inspectionID == id)

        // An off-site "next" is not followed.
        let offsite = try client.post("/label/\(id)", [("csrf", csrf), ("kind", "good"), ("next", "//evil.example/")])
        #expect(offsite.header("Location") == "/inspection/\(id)")
        #expect(try h.store.labelHistory(contentHash: hash).count == 2)
    }

    @Test func masksMustBeBinaryAndTheImageSize() throws {
        let h = try WebHarness()
        let id = try h.addVerdict(4, verdict: .fail, score: 0.8)
        try h.start()
        let hash = try h.store.record(id: id).contentHash
        var (client, csrf) = try h.signedInClient()
        func post(_ png: [UInt8]) throws -> HTTPClient.Reply {
            try client.post("/label/\(id)", [("csrf", csrf), ("kind", "defect"),
                                             ("mask", "data:image/png;base64," + Data(png).base64EncodedString())])
        }
        let (w, h2) = (WebHarness.imageWidth, WebHarness.imageHeight)
        let grey = try post(TestPNG.gray(width: w, height: h2) { x, _ in x < 10 ? 0 : x < 20 ? 128 : 255 })
        #expect(grey.status == 422)
        #expect(grey.text.contains("not binary"))
        let small = try post(TestPNG.gray(width: w / 2, height: h2) { x, _ in x < 5 ? 255 : 0 })
        #expect(small.status == 422)
        #expect(small.text.contains("does not match the image \(w)x\(h2)"))
        let notPNG = try client.post("/label/\(id)", [("csrf", csrf), ("kind", "defect"), ("mask", "data:image/png;base64,%%%")])
        #expect(notPNG.status == 422)
        #expect(try h.store.labelHistory(contentHash: hash).isEmpty)

        let good = try post(TestPNG.gray(width: w, height: h2) { x, y in x >= 10 && x < 20 && y < 5 ? 255 : 0 })
        #expect(good.status == 303)
        let label = try #require(try h.store.labelHistory(contentHash: hash).last)
        let stored = try MaskValidator.validate(png: try #require(label.mask), name: "stored", imageWidth: w, imageHeight: h2)
        #expect(stored.defectPixels == 50)
    }

    @Test func metricsCountABurstOfVerdicts() throws {
        let h = try WebHarness()
        let now = Date().timeIntervalSince1970
        try h.addVerdict(1, station: "line-1", verdict: .pass, at: now - 100)
        try h.start()
        var client = h.client()
        let before = try PrometheusText(try client.get("/metrics").text)
        #expect(before.value("inspectd_verdicts_total", ["station": "line-1", "verdict": "pass"]) == 1)
        #expect(before.value("inspectd_daemon_heartbeat_age_seconds", [:]) == -1)

        // A burst: 12 fails and 5 passes on line-2, 3 errors, 2 still queued.
        for n in 0..<17 {
            try h.addVerdict(100 + n, station: "line-2", verdict: n < 12 ? .fail : .pass, score: n < 12 ? 0.9 : 0.1, at: now - 50 + Double(n))
        }
        for n in 0..<3 {
            let image = try h.writeImage(200 + n, station: "line-2")
            let file = DiscoveredFile(station: "line-2", path: image.path, size: 1, mtime: now, contentHash: ContentHash.sha256(image.bytes))
            _ = try h.store.recordDiscovered(file, at: now - 5)
            let claimed = try #require(try h.store.claimNext(at: now - 4))
            try h.store.fail(id: claimed.id, kind: "corrupt_image", message: "bad", timings: nil, at: now - 3)
        }
        for n in 0..<2 {
            let image = try h.writeImage(300 + n, station: "line-1")
            _ = try h.store.recordDiscovered(DiscoveredFile(station: "line-1", path: image.path, size: 1, mtime: now,
                                                            contentHash: ContentHash.sha256(image.bytes)), at: now - 1)
        }
        try h.store.updateStatus(DaemonStatus(pid: 1, startedAt: now - 600, heartbeatAt: now - 3, state: "running", processed: 20,
                                              imagesPerMinute: 12, configPath: h.configPath, modelVersion: "m"))
        let reply = try client.get("/metrics")
        #expect(reply.status == 200)
        #expect(reply.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let after = try PrometheusText(reply.text)
        #expect(after.value("inspectd_verdicts_total", ["station": "line-2", "verdict": "fail"]) == 12)
        #expect(after.value("inspectd_verdicts_total", ["station": "line-2", "verdict": "pass"]) == 5)
        #expect(after.value("inspectd_verdicts_total", ["station": "line-1", "verdict": "pass"]) == 1)
        #expect(after.value("inspectd_errors_total", ["station": "line-2", "kind": "corrupt_image"]) == 3)
        #expect(after.value("inspectd_queue_depth", ["station": "line-1", "state": "queued"]) == 2)
        #expect(after.value("inspectd_stage_duration_seconds_count", ["station": "line-2", "stage": "encode"]) == 17)
        let encodeSum = try #require(after.value("inspectd_stage_duration_seconds_sum", ["station": "line-2", "stage": "encode"]))
        #expect(abs(encodeSum - 17 * StoreSamples.timings().encode) < 1e-6)
        #expect(after.value("inspectd_stage_duration_seconds_bucket", ["station": "line-2", "stage": "encode", "le": "0.05"]) == 17)
        let age = try #require(after.value("inspectd_daemon_heartbeat_age_seconds", [:]))
        #expect(age >= 3 && age < 60)
        #expect(after.value("inspectd_daemon_up", [:]) == 1)
        // Scraping again counts nothing twice.
        let again = try PrometheusText(try client.get("/metrics").text)
        #expect(again.value("inspectd_verdicts_total", ["station": "line-2", "verdict": "fail"]) == 12)
        #expect(again.value("inspectd_fleet_outbox_enabled", [:]) == 0)

        // The fleet outbox (entries made by the labels below, through its triggers) and a
        // result output's counters, as the daemon writes them.
        try h.store.configureOutbox(enabled: true, capacity: 1000)
        let labelled = try h.store.records(VerdictFilter()).filter { $0.verdict != nil }.prefix(4)
        #expect(labelled.count == 4)
        for record in labelled {
            _ = try h.store.addLabel(inspectionID: record.id, kind: .good, defectClass: nil, note: nil, mask: nil,
                                     author: "qa", source: "web", at: now)
        }
        var output = OutputStatus(station: "line-2", name: "gate", kind: "exec", target: "/usr/bin/gate")
        output.delivered = 7
        output.failed = 2
        output.pending = 1
        try h.store.replaceOutputStatuses([output])
        let replication = try PrometheusText(try client.get("/metrics").text)
        #expect(replication.value("inspectd_fleet_outbox_enabled", [:]) == 1)
        #expect(replication.value("inspectd_fleet_outbox_entries", [:]) == 4)
        #expect(replication.value("inspectd_output_delivered", ["station": "line-2", "output": "gate", "kind": "exec"]) == 7)
        #expect(replication.value("inspectd_output_failed", ["station": "line-2", "output": "gate", "kind": "exec"]) == 2)
        #expect(replication.value("inspectd_output_pending", ["station": "line-2", "output": "gate", "kind": "exec"]) == 1)
    }

    @Test func versionsCanBeActivatedOnlyWhenSignedInAndConfirmed() throws {
        let h = try WebHarness()
        try h.addVerdict(1)
        let first = try h.store.insertVersion(ModelVersionRecord(station: "line-1", base: "b", status: .active, source: .configured,
                                                                 createdAt: 1))
        let second = try h.store.insertVersion(ModelVersionRecord(station: "line-1", base: "b", status: .candidate, source: .trained,
                                                                  createdAt: 2))
        let foreign = try h.store.insertVersion(ModelVersionRecord(station: "line-1", base: "other", status: .candidate,
                                                                   source: .imported, createdAt: 3))
        try h.start()
        var anonymous = h.client()
        #expect(try anonymous.get("/versions").text.contains("id=\"v\(second)\""))
        let token = HTTPClient.csrf(in: try anonymous.get("/login").text) ?? ""
        #expect(try anonymous.post("/versions/\(second)/activate", [("csrf", token), ("confirm", "yes")]).status == 401)

        var (client, csrf) = try h.signedInClient()
        let confirmPage = try client.get("/versions/\(second)/activate")
        #expect(confirmPage.text.contains("Activate version \(second)?"))
        #expect(try client.post("/versions/\(second)/activate", [("csrf", csrf)]).status == 400)
        #expect(try h.store.activeVersionIDs()["line-1"] == first)
        #expect(try client.post("/versions/\(second)/activate", [("csrf", csrf), ("confirm", "yes")]).status == 303)
        #expect(try h.store.activeVersionIDs()["line-1"] == second)
        let refused = try client.post("/versions/\(foreign)/activate", [("csrf", csrf), ("confirm", "yes")])
        #expect(refused.status == 409)
        #expect(refused.text.contains("refusing to activate"))
        #expect(try client.post("/stations/line-1/rollback", [("csrf", csrf), ("confirm", "yes")]).status == 303)
        #expect(try h.store.activeVersionIDs()["line-1"] == first)
    }

    @Test func reviewQueueServesTheReviewBandFirstAndChartsRender() throws {
        let h = try WebHarness()
        let now = Date().timeIntervalSince1970
        try h.addVerdict(1, verdict: .pass, score: 0.1, at: now - 40)
        let review = try h.addVerdict(2, verdict: .review, score: 0.5, at: now - 30)
        try h.start()
        var client = h.client()
        let queue = try client.get("/queue")
        #expect(queue.status == 200)
        #expect(queue.text.contains("Review: inspection \(review)"))
        #expect(queue.text.contains("review band"))
        let skipped = try client.get("/queue?skip=\(review)")
        #expect(skipped.text.contains("audit sample of passes"))
        let charts = try client.get("/charts")
        #expect(charts.status == 200 && charts.text.contains("<svg class=\"chart\""))
        #expect(charts.text.contains("review 0.40") && charts.text.contains("fail 0.60"))
        #expect(try client.get("/charts?bucket=day").status == 200)
    }
}

/// The escaping the pages use, for comparing page text with stored values.
enum HTMLText {
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

extension WebTests {
    /// `inspectctl web adduser` (the real binary, password on stdin) writes a user the
    /// running server accepts at once, in a file nobody but owner and group can read.
    @Test func inspectctlAddUserThenSignIn() throws {
        let h = try WebHarness()
        try h.addVerdict(1)
        try h.start()
        let inspectctl = WebHarness.binary.deletingLastPathComponent().appendingPathComponent("inspectctl")
        let process = Process()
        process.executableURL = inspectctl
        process.arguments = ["web", "adduser", "line-lead", "--users-file", h.usersPath]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data("a long enough secret\n".utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text.contains("added user line-lead in \(h.usersPath)"))
        let mode = try FileManager.default.attributesOfItem(atPath: h.usersPath)[.posixPermissions] as? Int
        #expect(mode == 0o640)

        var client = h.client()
        let login = try client.get("/login")
        let reply = try client.post("/login", [("csrf", HTTPClient.csrf(in: login.text) ?? ""), ("user", "line-lead"),
                                               ("password", "a long enough secret")])
        #expect(reply.status == 303)
        let session = reply.headers("Set-Cookie").first { $0.hasPrefix("inspectd_session=") } ?? ""
        #expect(session.contains("HttpOnly") && session.contains("SameSite=Strict"))
        #expect(try client.get("/").text.contains("line-lead"))
    }
}

extension WebTests {
    /// The live list: a verdict committed after the stream opened arrives as a ready row,
    /// filtered like the page (a line-2 verdict does not reach a line-1 list), followed by
    /// the refreshed yield strip.
    @Test func liveFeedSendsNewVerdictsThatMatchTheFilter() throws {
        let h = try WebHarness()
        try h.addVerdict(1, station: "line-1")
        try h.start()
        let client = h.client()
        let page = try { var c = client; return try c.get("/?station=line-1").text }()
        #expect(page.contains("data-live=\"/events?station=line-1\""))
        var ids: [Int64] = []
        let text = try client.stream("/events?station=line-1", timeout: 60, before: {
            ids.append(try h.addVerdict(2, station: "line-2", verdict: .fail, score: 0.9))
            ids.append(try h.addVerdict(3, station: "line-1", verdict: .review, score: 0.5))
        }, done: { $0.contains("event: strip") })
        #expect(ids.count == 2)
        #expect(text.contains("text/event-stream"))
        #expect(text.contains("event: verdict\ndata: <tr data-href=\"/inspection/\(ids[1])\">"))
        #expect(!text.contains("/inspection/\(ids[0])\""))
        #expect(text.contains("event: strip\ndata: <section class=\"strip\" id=\"yield-strip\">"))
    }
}
