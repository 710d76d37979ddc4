import Foundation
import Inspection
import Store
import Testing

/// `inspectctl verdicts | show | stats | export` as a QA engineer runs them: the real binary on
/// a real verdict log written through the daemon's store API (see ``QueryFixture`` for the rows).
@Suite struct QueryCommandTests {
    static let day = QueryFixture.day
    static let csvHeader = "id,station,state,verdict,score,image_probability,map_max,review_threshold,fail_threshold,"
        + "model_version,discovered_at,started_at,finished_at,total_ms,size,content_hash,path,error_kind,error,"
        + "fused_score,defect_class,defect_probability"

    /// Keys of the rows `verdicts -o json ARGS` prints, in order.
    static func verdictKeys(_ fx: QueryFixture, _ arguments: [String]) throws -> [String] {
        let result = try fx.ctl("verdicts", ["-o", "json"] + arguments)
        guard result.status == 0 else { throw QueryFixture.FixtureError("verdicts \(arguments): \(result)") }
        return fx.keys(try QueryFixture.jsonLines(result.stdout).map { ($0["id"] as? NSNumber)?.int64Value ?? -1 })
    }

    // MARK: verdicts

    @Test func verdictsTableIsNewestFirstWithEveryRowAndACount() throws {
        let fx = try QueryFixture()
        let result = try fx.ctl("verdicts")
        #expect(result.status == 0, "\(result)")
        let lines = result.lines
        try #require(lines.count == 12, "header, 10 rows, count:\n\(result)")
        #expect(lines[0].hasPrefix("ID") && lines[0].contains("FINISHED") && lines[0].contains("STATION")
                && lines[0].contains("VERDICT") && lines[0].contains("SCORE") && lines[0].contains("PATH"))
        #expect(lines[11] == "10 row(s)")
        let rows = Array(lines[1...10])
        let ids = rows.map { Int64($0.split(separator: " ").first ?? "") ?? -1 }
        #expect(fx.keys(ids) == QueryFixture.newestFirst)

        func row(_ key: String) -> String { rows.first { $0.hasPrefix("\(fx.id(key)) ") } ?? "" }
        // Finished time in local time (TZ=UTC for the child), station, verdict, 4-decimal score, path.
        #expect(row("c").contains("2023-11-14 02:05:00"), "\(row("c"))")
        #expect(row("c").contains("line-1") && row("c").contains("fail") && row("c").contains("0.9000"))
        #expect(row("c").hasSuffix(QueryFixture.path("c", "line-1")))
        #expect(row("d").hasSuffix(fx.commaPath))
        #expect(row("e").contains("error") && row("e").hasSuffix("(corrupt_image: bad bytes)"), "\(row("e"))")
        // Pending rows show their state and discovery time.
        #expect(row("i").contains("queued") && row("i").contains("2023-11-15 03:00:00"), "\(row("i"))")
        #expect(row("j").contains("processing") && row("j").contains("2023-11-15 03:13:20"), "\(row("j"))")
    }

    @Test func verdictsTimeFiltersAreHalfOpenRangesOverFinishedTime() throws {
        let fx = try QueryFixture()
        // Local wall-clock (the child runs with TZ=UTC).
        #expect(try Self.verdictKeys(fx, ["--since", "2023-11-14 01:30", "--until", "2023-11-14 03:00"]) == ["c", "b"],
                "g finished exactly at --until and is excluded")
        #expect(try Self.verdictKeys(fx, ["--since", "2023-11-14 03:00:00", "--until", "2023-11-15"]) == ["g"],
                "--since is inclusive")
        #expect(try Self.verdictKeys(fx, ["--since", "2023-11-15"]) == ["j", "i", "h", "f", "e"])
        #expect(try Self.verdictKeys(fx, ["--until", "2023-11-14T01:20:00Z"]) == ["a"])
        #expect(try Self.verdictKeys(fx, ["--since", "2023-11-14T03:00:00+02:00", "--until", "2023-11-14T03:30:00+02:00"])
                == ["d", "a"], "01:00–01:30 UTC")
        #expect(try Self.verdictKeys(fx, ["--since", "@\(Int(Self.day + 90000))", "--until", "@\(Int(Self.day + 95000))"])
                == ["f", "e"])
        #expect(try Self.verdictKeys(fx, ["--until", "2023-11-13"]) == [])
        // Relative forms: everything in the fixture is years old.
        #expect(try Self.verdictKeys(fx, ["--since", "8h"]) == [])
        #expect(try Self.verdictKeys(fx, ["--until", "1d ago"]) == QueryFixture.newestFirst)
    }

    @Test func verdictsStationVerdictScoreAndLimitFilters() throws {
        let fx = try QueryFixture()
        #expect(try Self.verdictKeys(fx, ["--station", "line-1"]) == ["i", "c", "b", "a"])
        #expect(try Self.verdictKeys(fx, ["--station", "line-2", "--station", "press-3"]) == ["j", "h", "f", "e", "g", "d"])
        #expect(try Self.verdictKeys(fx, ["--station", "nowhere"]) == [])
        #expect(try Self.verdictKeys(fx, ["--verdict", "pass"]) == ["h", "g", "d", "a"])
        #expect(try Self.verdictKeys(fx, ["--verdict", "review"]) == ["b"])
        #expect(try Self.verdictKeys(fx, ["--verdict", "fail"]) == ["f", "c"])
        #expect(try Self.verdictKeys(fx, ["--verdict", "error"]) == ["e"])
        #expect(try Self.verdictKeys(fx, ["--verdict", "review", "--verdict", "fail"]) == ["f", "c", "b"])
        #expect(try Self.verdictKeys(fx, ["--min-score", "0.6"]) == ["f", "c", "b"], "inclusive; unscored rows never match")
        #expect(try Self.verdictKeys(fx, ["--min-score", "0.25", "--station", "press-3"]) == ["h"])
        #expect(try Self.verdictKeys(fx, ["--limit", "3"]) == ["j", "i", "h"])
        #expect(try Self.verdictKeys(fx, ["--limit", "0"]) == QueryFixture.newestFirst, "0 = all")
        #expect(try Self.verdictKeys(fx, ["--verdict", "pass", "--limit", "2"]) == ["h", "g"])
        #expect(try Self.verdictKeys(fx, ["--station", "line-1", "--verdict", "pass", "--since", "2023-11-14",
                                          "--until", "2023-11-15", "--min-score", "0.1"]) == ["a"])
    }

    /// Repeating --verdict is documented as "any of these"; mixing a verdict with `error`
    /// should list both kinds of rows.
    @Test func verdictsMixingAVerdictWithErrorListsBoth() throws {
        let fx = try QueryFixture()
        let keys = try Self.verdictKeys(fx, ["--verdict", "fail", "--verdict", "error"])
        #expect(keys == ["f", "e", "c"])
    }

    @Test func verdictsJSONLinesCarryTheFields() throws {
        let fx = try QueryFixture()
        let result = try fx.ctl("verdicts", ["-o", "json"])
        #expect(result.status == 0, "\(result)")
        let rows = try QueryFixture.jsonLines(result.stdout)
        #expect(rows.count == 10)
        let byKey = Dictionary(uniqueKeysWithValues: rows.map { (fx.keys([($0["id"] as? NSNumber)?.int64Value ?? -1])[0], $0) })

        let c = try #require(byKey["c"])
        #expect(c["station"] as? String == "line-1")
        #expect(c["state"] as? String == "done")
        #expect(c["verdict"] as? String == "fail")
        #expect(c["score"] as? Double == 0.90)
        #expect(c["image_probability"] as? Double == 0.90)
        #expect(c["map_max"] as? Double == 0.90 + 0.25)
        #expect(c["review_threshold"] as? Double == 0.5)
        #expect(c["fail_threshold"] as? Double == 0.8)
        #expect(c["score_mode"] as? String == "cls")
        #expect(c["model_version"] as? String == "clip-test-1")
        #expect(c["finished_at"] as? String == "2023-11-14T02:05:00.000Z")
        #expect(c["started_at"] as? String == TimeExpression.iso(Self.day + 7499))
        #expect(c["discovered_at"] as? String == TimeExpression.iso(Self.day + 7498))
        #expect(c["attempts"] as? Int == 1)
        #expect(c["decode_ms"] as? Double == 62.5)
        #expect(c["total_ms"] as? Double == 937.5)
        #expect((c["size"] as? NSNumber)?.int64Value == QueryFixture.size("c"))
        #expect(c["content_hash"] as? String == QueryFixture.hash("c"))
        #expect(c["path"] as? String == QueryFixture.path("c", "line-1"))
        #expect(c["original_width"] as? Int == 400 && c["original_height"] as? Int == 300)
        #expect(c["error_kind"] is NSNull && c["error"] is NSNull)

        let e = try #require(byKey["e"])
        #expect(e["state"] as? String == "error")
        #expect(e["verdict"] is NSNull && e["score"] is NSNull)
        #expect(e["error_kind"] as? String == "corrupt_image" && e["error"] as? String == "bad bytes")
        #expect(e["finished_at"] as? String == TimeExpression.iso(Self.day + 90000))

        let i = try #require(byKey["i"])
        #expect(i["state"] as? String == "queued" && i["finished_at"] is NSNull && i["started_at"] is NSNull)
        #expect(i["attempts"] as? Int == 0)
        let j = try #require(byKey["j"])
        #expect(j["state"] as? String == "processing" && j["started_at"] as? String == TimeExpression.iso(Self.day + 98100))

        #expect(byKey["d"]?["path"] as? String == fx.commaPath)
    }

    @Test func verdictsCSVHasTheHeaderEveryRowAndQuotesPaths() throws {
        let fx = try QueryFixture()
        let result = try fx.ctl("verdicts", ["-o", "csv"])
        #expect(result.status == 0, "\(result)")
        #expect(result.lines.first == Self.csvHeader)
        #expect(result.lines.count == 11, "header + 10 rows")
        let records = QueryFixture.parseCSV(result.stdout)
        #expect(records.count == 11)
        #expect(records.allSatisfy { $0.count == 22 }, "22 fields in every record")
        #expect(fx.keys(records.dropFirst().map { Int64($0[0]) ?? -1 }) == QueryFixture.newestFirst)

        // RFC 4180: the comma-and-quote path is quoted with doubled quotes, and parses back.
        let quoted = "\"" + fx.commaPath.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        let dLine = try #require(result.lines.first { $0.hasPrefix("\(fx.id("d")),") })
        #expect(dLine.contains("," + quoted + ","), "\(dLine)")
        let d = try #require(records.first { $0[0] == "\(fx.id("d"))" })
        #expect(d[16] == fx.commaPath)
        #expect(d[1] == "line-2" && d[2] == "done" && d[3] == "pass" && d[4] == "0.2")
        #expect(d[12] == TimeExpression.iso(Self.day + 4800))
        #expect(d[17] == "" && d[18] == "", "nulls are empty")

        let e = try #require(records.first { $0[0] == "\(fx.id("e"))" })
        #expect(e[2] == "error" && e[3] == "" && e[4] == "" && e[17] == "corrupt_image" && e[18] == "bad bytes")

        let filtered = try fx.ctl("verdicts", ["-o", "csv", "--station", "line-2"])
        #expect(filtered.status == 0)
        #expect(QueryFixture.parseCSV(filtered.stdout).count == 1 + 3)
        let empty = try fx.ctl("verdicts", ["-o", "csv", "--station", "nowhere"])
        #expect(empty.lines == [Self.csvHeader], "header even without rows")
    }

    // MARK: show

    /// Every key `show` prints, in its (sorted) order.
    static let showKeys = ["attempts", "content_hash", "decode_ms", "defect_class", "defect_probability", "defect_set",
                           "discovered_at", "encode_ms", "error", "error_kind",
                           "fail_threshold", "finished_at", "fused_score", "id", "image_probability", "map_max", "model_version",
                           "mtime", "original_height", "original_width", "path", "preprocess_ms", "review_threshold",
                           "score", "score_mode", "score_ms", "size", "started_at", "state", "station", "total_ms",
                           "verdict"]

    static func pad(_ key: String) -> String {
        key.count >= 20 ? key + " " : key + String(repeating: " ", count: 20 - key.count)
    }

    @Test func showPrintsEveryField() throws {
        let fx = try QueryFixture()
        let result = try fx.ctl("show", ["\(fx.id("a"))"])
        #expect(result.status == 0, "\(result)")
        let lines = result.lines
        #expect(lines.map { String($0.prefix(while: { $0 != " " })) } == Self.showKeys)
        let a = QueryFixture.day + 4200
        let expected: [String: String] = [
            "fused_score": "-", "defect_class": "-", "defect_probability": "-", "defect_set": "-",
            "id": "\(fx.id("a"))", "station": "line-1", "state": "done", "verdict": "pass", "score": "0.1",
            "image_probability": "0.1", "map_max": "\(0.1 + 0.25)", "review_threshold": "0.5", "fail_threshold": "0.8",
            "score_mode": "cls", "model_version": "clip-test-1", "attempts": "1",
            "discovered_at": TimeExpression.iso(a - 2)!, "started_at": TimeExpression.iso(a - 1)!,
            "finished_at": "2023-11-14T01:10:00.000Z", "decode_ms": "62.5", "preprocess_ms": "125.0",
            "encode_ms": "250.0", "score_ms": "500.0", "total_ms": "937.5", "size": "\(QueryFixture.size("a"))",
            "mtime": "\(a - 2 - 10)", "content_hash": fx.imageHash, "path": fx.imagePath,
            "original_width": "400", "original_height": "300", "error_kind": "-", "error": "-",
        ]
        for key in Self.showKeys {
            #expect(lines.contains(Self.pad(key) + (expected[key] ?? "?")), "\(key):\n\(result.stdout)")
        }

        let error = try fx.ctl("show", ["\(fx.id("e"))"])
        #expect(error.status == 0)
        #expect(error.lines.contains(Self.pad("error_kind") + "corrupt_image"))
        #expect(error.lines.contains(Self.pad("error") + "bad bytes"))
        #expect(error.lines.contains(Self.pad("verdict") + "-"))
    }

    @Test func showJSON() throws {
        let fx = try QueryFixture()
        let result = try fx.ctl("show", ["\(fx.id("d"))", "-o", "json"])
        #expect(result.status == 0, "\(result)")
        #expect(result.lines.count == 1)
        let d = try QueryFixture.jsonObject(result.stdout)
        #expect(Set(d.keys) == Set(Self.showKeys))
        #expect((d["id"] as? NSNumber)?.int64Value == fx.id("d"))
        #expect(d["path"] as? String == fx.commaPath)
        #expect(d["verdict"] as? String == "pass" && d["score"] as? Double == 0.2)
        #expect(d["finished_at"] as? String == TimeExpression.iso(QueryFixture.day + 4800))
    }

    @Test func showOverlayWritesADecodablePNG() throws {
        let fx = try QueryFixture()
        let out = fx.directory.appendingPathComponent("overlay-a.png").path
        let result = try fx.ctl("show", ["\(fx.id("a"))", "--overlay", out])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("overlay written to \(out)"))
        #expect(!result.stderr.contains("drawing on grey"), "the original exists: \(result.stderr)")
        let decoded = try ImageDecoder().decode(file: out)
        #expect(max(decoded.image.width, decoded.image.height) >= 320)

        // Original moved away by the station's policy: still an overlay, on grey, with a note.
        let grey = fx.directory.appendingPathComponent("overlay-c.png").path
        let moved = try fx.ctl("show", ["\(fx.id("c"))", "--overlay", grey])
        #expect(moved.status == 0, "\(moved)")
        #expect(moved.stderr.contains("drawing on grey"))
        let greyImage = try ImageDecoder().decode(file: grey).image
        #expect(max(greyImage.width, greyImage.height) >= 320)
    }

    @Test func showOverlayWithoutAMapFailsClearly() throws {
        let fx = try QueryFixture()
        for key in ["b", "e", "i"] {  // done without map, error, queued
            let out = fx.directory.appendingPathComponent("overlay-\(key).png").path
            let result = try fx.ctl("show", ["\(fx.id(key))", "--overlay", out])
            #expect(result.status != 0, "\(key): \(result)")
            #expect(result.stderr.contains("no anomaly map"), "\(key): \(result.stderr)")
            #expect(result.stderr.contains("id \(fx.id(key))"))
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }

    @Test func showUnknownIdExitsOne() throws {
        let fx = try QueryFixture()
        let result = try fx.ctl("show", ["999"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("no inspection with id 999"))
        #expect(result.stdout.isEmpty)
        let json = try fx.ctl("show", ["999", "-o", "json", "--overlay", fx.directory.appendingPathComponent("x.png").path])
        #expect(json.status == 1 && json.stderr.contains("no inspection with id 999"))
    }

    // MARK: stats

    struct Counts: Equatable, CustomStringConvertible {
        var station: String, bucket: Double?, total: Int, pass: Int, review: Int, fail: Int, errors: Int, queued: Int
        var description: String { "\(station)@\(bucket.map { "\(Int($0))" } ?? "-"): \(total) \(pass)/\(review)/\(fail) e\(errors) q\(queued)" }
    }

    static func statsRows(_ fx: QueryFixture, _ arguments: [String]) throws -> (counts: [Counts], yields: [Double?]) {
        let result = try fx.ctl("stats", ["-o", "json"] + arguments)
        guard result.status == 0 else { throw QueryFixture.FixtureError("stats \(arguments): \(result)") }
        let rows = try QueryFixture.jsonLines(result.stdout)
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return (rows.map { r in
            Counts(station: r["station"] as? String ?? "?",
                   bucket: (r["bucket_start"] as? String).flatMap { iso.date(from: $0)?.timeIntervalSince1970 },
                   total: r["total"] as? Int ?? -1, pass: r["pass"] as? Int ?? -1, review: r["review"] as? Int ?? -1,
                   fail: r["fail"] as? Int ?? -1, errors: r["errors"] as? Int ?? -1, queued: r["queued"] as? Int ?? -1)
        }, rows.map { $0["yield"] as? Double })
    }

    @Test func statsByStationCountsAndYield() throws {
        let fx = try QueryFixture()
        let (counts, yields) = try Self.statsRows(fx, [])
        #expect(counts == [
            Counts(station: "line-1", bucket: nil, total: 4, pass: 1, review: 1, fail: 1, errors: 0, queued: 1),
            Counts(station: "line-2", bucket: nil, total: 3, pass: 1, review: 0, fail: 1, errors: 1, queued: 0),
            Counts(station: "press-3", bucket: nil, total: 3, pass: 2, review: 0, fail: 0, errors: 0, queued: 1),
        ])
        #expect(yields.count == 3)
        if yields.count == 3 {
            #expect(abs((yields[0] ?? -1) - 1.0 / 3) < 1e-12)
            #expect(yields[1] == 0.5)
            #expect(yields[2] == 1.0)
        }

        let table = try fx.ctl("stats")
        #expect(table.status == 0, "\(table)")
        #expect(table.lines.count == 4)
        #expect(table.lines.first?.hasPrefix("STATION") == true)
        let line1 = table.lines.first { $0.hasPrefix("line-1") } ?? ""
        #expect(line1.split(separator: " ") == ["line-1", "-", "4", "1", "1", "1", "0", "1", "0", "0.3333"], "\(line1)")
        #expect(table.lines.contains { $0.hasPrefix("line-2") && $0.split(separator: " ").last == "0.5000" }, "\(table)")
        #expect(table.lines.contains { $0.hasPrefix("press-3") && $0.split(separator: " ").last == "1.0000" }, "\(table)")

        let csv = try fx.ctl("stats", ["-o", "csv"])
        #expect(csv.lines == ["station,bucket,total,pass,review,fail,errors,queued,after_failed,yield",
                              "line-1,-,4,1,1,1,0,1,0,0.3333", "line-2,-,3,1,0,1,1,0,0,0.5000", "press-3,-,3,2,0,0,0,1,0,1.0000"])

        // Filters apply: the second day only, and one verdict.
        #expect(try Self.statsRows(fx, ["--since", "2023-11-15"]).counts == [
            Counts(station: "line-1", bucket: nil, total: 1, pass: 0, review: 0, fail: 0, errors: 0, queued: 1),
            Counts(station: "line-2", bucket: nil, total: 2, pass: 0, review: 0, fail: 1, errors: 1, queued: 0),
            Counts(station: "press-3", bucket: nil, total: 2, pass: 1, review: 0, fail: 0, errors: 0, queued: 1),
        ])
        let passOnly = try Self.statsRows(fx, ["--verdict", "pass", "--station", "press-3"])
        #expect(passOnly.counts == [Counts(station: "press-3", bucket: nil, total: 2, pass: 2, review: 0, fail: 0, errors: 0, queued: 0)])
        #expect(passOnly.yields == [1.0])
        let none = try Self.statsRows(fx, ["--station", "line-1", "--since", "2023-11-15"])
        #expect(none.yields.count == 1 && none.yields[0] == nil, "nothing decided: yield null")
    }

    @Test func statsByHourAndDay() throws {
        let fx = try QueryFixture()
        let d = Self.day
        #expect(try Self.statsRows(fx, ["--by", "hour"]).counts == [
            Counts(station: "line-1", bucket: d + 3600, total: 2, pass: 1, review: 1, fail: 0, errors: 0, queued: 0),
            Counts(station: "line-1", bucket: d + 7200, total: 1, pass: 0, review: 0, fail: 1, errors: 0, queued: 0),
            Counts(station: "line-1", bucket: d + 97200, total: 1, pass: 0, review: 0, fail: 0, errors: 0, queued: 1),
            Counts(station: "line-2", bucket: d + 3600, total: 1, pass: 1, review: 0, fail: 0, errors: 0, queued: 0),
            Counts(station: "line-2", bucket: d + 90000, total: 1, pass: 0, review: 0, fail: 0, errors: 1, queued: 0),
            Counts(station: "line-2", bucket: d + 93600, total: 1, pass: 0, review: 0, fail: 1, errors: 0, queued: 0),
            Counts(station: "press-3", bucket: d + 10800, total: 1, pass: 1, review: 0, fail: 0, errors: 0, queued: 0),
            Counts(station: "press-3", bucket: d + 93600, total: 1, pass: 1, review: 0, fail: 0, errors: 0, queued: 0),
            Counts(station: "press-3", bucket: d + 97200, total: 1, pass: 0, review: 0, fail: 0, errors: 0, queued: 1),
        ])
        let byDay = try Self.statsRows(fx, ["--by", "day"])
        #expect(byDay.counts == [
            Counts(station: "line-1", bucket: d, total: 3, pass: 1, review: 1, fail: 1, errors: 0, queued: 0),
            Counts(station: "line-1", bucket: d + 86400, total: 1, pass: 0, review: 0, fail: 0, errors: 0, queued: 1),
            Counts(station: "line-2", bucket: d, total: 1, pass: 1, review: 0, fail: 0, errors: 0, queued: 0),
            Counts(station: "line-2", bucket: d + 86400, total: 2, pass: 0, review: 0, fail: 1, errors: 1, queued: 0),
            Counts(station: "press-3", bucket: d, total: 1, pass: 1, review: 0, fail: 0, errors: 0, queued: 0),
            Counts(station: "press-3", bucket: d + 86400, total: 2, pass: 1, review: 0, fail: 0, errors: 0, queued: 1),
        ])
        #expect(byDay.yields.count == 6 && byDay.yields[3] == 0 && byDay.yields[5] == 1)

        let table = try fx.ctl("stats", ["--by", "day", "--station", "line-2"])
        #expect(table.status == 0, "\(table)")
        #expect(table.lines.dropFirst().map { $0.split(separator: " ").prefix(4).joined(separator: " ") }
                == ["line-2 2023-11-14 00:00:00 1", "line-2 2023-11-15 00:00:00 2"], "\(table)")
    }

    // MARK: export

    @Test func exportCSVToAFileIsOldestFirstOverTheRange() throws {
        let fx = try QueryFixture()
        let out = fx.directory.appendingPathComponent("export.csv").path
        let result = try fx.ctl("export", ["--since", "2023-11-14", "--until", "2023-11-15", "--format", "csv", "--out", out])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("exported 5 row(s) to \(out)"))
        let text = try String(contentsOfFile: out, encoding: .utf8)
        let records = QueryFixture.parseCSV(text)
        #expect(records.first == Self.csvHeader.split(separator: ",").map(String.init))
        #expect(fx.keys(records.dropFirst().map { Int64($0[0]) ?? -1 }) == ["a", "d", "b", "c", "g"])
        #expect(records.allSatisfy { $0.count == 22 })
        #expect(records.first { $0[0] == "\(fx.id("d"))" }?[16] == fx.commaPath)

        // Without a range: every row, oldest first.
        let all = fx.directory.appendingPathComponent("all.csv").path
        #expect(try fx.ctl("export", ["--out", all]).status == 0)
        let allRecords = QueryFixture.parseCSV(try String(contentsOfFile: all, encoding: .utf8))
        #expect(fx.keys(allRecords.dropFirst().map { Int64($0[0]) ?? -1 }) == QueryFixture.newestFirst.reversed())
    }

    @Test func exportJSONIsAParsableArray() throws {
        let fx = try QueryFixture()
        let out = fx.directory.appendingPathComponent("export.json").path
        let result = try fx.ctl("export", ["--format", "json", "--out", out, "--station", "line-2", "--station", "press-3"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.contains("exported 6 row(s)"))
        let array = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [[String: Any]])
        #expect(fx.keys(array.map { ($0["id"] as? NSNumber)?.int64Value ?? -1 }) == ["d", "g", "e", "f", "h", "j"])
        #expect(array.first?["path"] as? String == fx.commaPath)
        #expect(array.allSatisfy { Set($0.keys) == Set(Self.showKeys) })

        // To stdout, and an empty range is still a valid (empty) array.
        let stdout = try fx.ctl("export", ["--format", "json", "--verdict", "fail"])
        #expect(stdout.status == 0, "\(stdout)")
        let failed = try #require(try JSONSerialization.jsonObject(with: Data(stdout.stdout.utf8)) as? [[String: Any]])
        #expect(fx.keys(failed.map { ($0["id"] as? NSNumber)?.int64Value ?? -1 }) == ["c", "f"])
        let empty = try fx.ctl("export", ["--format", "json", "--station", "nowhere"])
        #expect((try JSONSerialization.jsonObject(with: Data(empty.stdout.utf8)) as? [Any])?.isEmpty == true, "\(empty)")
    }

    @Test func exportToAnUnwritablePathFails() throws {
        let fx = try QueryFixture()
        let out = fx.directory.appendingPathComponent("no-such-dir/export.csv").path
        let result = try fx.ctl("export", ["--out", out])
        #expect(result.status != 0, "\(result)")
        #expect(result.stderr.contains(out))
    }
}
