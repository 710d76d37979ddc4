import Foundation
import Inspection
import Store
import Testing

/// `inspectctl model list` and `model show` read what the daemon stored, in table and JSON.
@Suite struct ModelListShowTests {
    @Test func listIsNewestFirstWithMetricsAndDecisions() throws {
        let fx = try ModelFixture.standard()
        let table = try fx.ctl(["model", "list"])
        #expect(table.status == 0, "\(table)")
        let rows = table.lines.dropFirst().dropLast()
        #expect(rows.map { $0.prefix(while: { $0 != " " }) } == ["4", "3", "2", "1"], "\(table.stdout)")
        #expect(table.lines.first?.hasPrefix("ID") == true && table.lines.last == "4 version(s)", "\(table.stdout)")
        let promoted = try #require(rows.first { $0.hasPrefix("3 ") })
        // Created 2023-11-15 00:13:20 UTC, 5 training and 3 held-out labels.
        for part in ["2023-11-15 00:13:20", "line-1", "active", "trained", "0.9300/0.8500", "0.8200/0.7000",
                     "promoted: held-out AUROC 0.9300 >= 0.8500"] {
            #expect(promoted.contains(part), "\(part): \(promoted)")
        }
        #expect(promoted.contains(" 5     3 "), "\(promoted)")
        let first = try #require(rows.first { $0.hasPrefix("1 ") })
        #expect(first.contains("retired") && first.contains("configured") && first.hasSuffix("-"), "\(first)")

        let json = try fx.ctl(["model", "list", "--station", "line-1", "--format", "json"])
        #expect(json.status == 0, "\(json)")
        let objects = try ModelFixture.jsonArray(json.stdout)
        #expect(objects.map { ($0["id"] as? NSNumber)?.intValue } == [3, 2, 1])
        #expect(objects.map { $0["status"] as? String } == ["active", "rejected", "retired"])
        let v3 = objects[0]
        #expect(v3["source"] as? String == "trained" && v3["base"] as? String == ModelFixture.base)
        #expect((v3["parent_id"] as? NSNumber)?.intValue == 1)
        #expect(v3["training_labels"] as? Int == 5 && v3["heldout_labels"] as? Int == 3)
        #expect(v3["created_at"] as? String == "2023-11-15T00:13:20.000Z")
        #expect(v3["activated_at"] as? String == TimeExpression.iso(ModelFixture.t0 + 7300))
        let metrics = try #require(v3["metrics"] as? [String: Any])
        #expect((metrics["candidate"] as? [String: Any])?["auroc"] as? Double == 0.93)
        #expect((metrics["active"] as? [String: Any])?["f1"] as? Double == 0.7)
        #expect(metrics["heldout_good"] as? Int == 12 && metrics["epoch_losses"] as? [Double] == [0.9, 0.5, 0.25])
        #expect(objects[2]["metrics"] is NSNull && objects[2]["review_threshold"] as? Double == 0.3)
        // Listings are read without blobs, so they do not claim sizes.
        #expect(v3["prompts_bytes"] == nil && v3["prompts_hash"] as? String == ContentHash.sha256(ModelFixture.prompts))

        let other = try fx.ctl(["model", "list", "--station", "nowhere"])
        #expect(other.status == 0 && other.lines.last == "0 version(s)", "\(other)")
    }

    @Test func showPrintsEveryFieldInTableAndJSON() throws {
        let fx = try ModelFixture.standard()
        let table = try fx.ctl(["model", "show", "3"])
        #expect(table.status == 0, "\(table)")
        func line(_ key: String) -> String? {
            table.lines.first { $0.hasPrefix(key + " ") }.map { String($0.dropFirst(22)) }
        }
        #expect(line("status") == "active" && line("source") == "trained" && line("parent") == "1")
        #expect(line("base") == ModelFixture.base)
        #expect(line("created") == "2023-11-15 00:13:20")
        #expect(line("prompts") == "\(ModelFixture.prompts.count) bytes, sha256 \(ContentHash.sha256(ModelFixture.prompts))")
        #expect(line("memory_bank") == "2048 bytes" && line("classifier") == "\(ModelFixture.classifier.utf8.count) bytes")
        #expect(line("thresholds") == "review 0.3500, fail 0.6500 (f1)")
        #expect(line("training_labels") == "5" && line("heldout_labels") == "3")
        #expect(line("heldout_images") == "12 good, 5 defect")
        #expect(line("auroc") == "0.9300 (active version then: 0.8500)")
        #expect(line("epoch_losses") == "0.9000 0.5000 0.2500" && line("training_time") == "3m12s")
        #expect(line("decision") == "promoted: held-out AUROC 0.9300 >= 0.8500")
        #expect(line("note") == "promoted by the daemon", "\(table.stdout)")

        let json = try fx.ctl(["model", "show", "3", "-o", "json"])
        #expect(json.status == 0, "\(json)")
        let object = try QueryFixture.jsonObject(json.stdout)
        #expect(object["training_label_ids"] as? [Int] == [1, 2, 3, 4, 7] && object["heldout_label_ids"] as? [Int] == [5, 6, 8])
        #expect(object["prompts_bytes"] as? Int == ModelFixture.prompts.count && object["memory_bank_bytes"] as? Int == 2048)
        #expect(object["classifier_bytes"] as? Int == ModelFixture.classifier.utf8.count)
        #expect(object["fail_threshold"] as? Double == 0.65 && object["threshold_method"] as? String == "f1")

        let configured = try QueryFixture.jsonObject(try fx.ctl(["model", "show", "4", "--format", "json"]).stdout)
        #expect(configured["prompts_bytes"] is NSNull && configured["memory_bank_bytes"] is NSNull)
        let configuredTable = try fx.ctl(["model", "show", "4"])
        #expect(configuredTable.lines.contains { $0.hasPrefix("prompts ") && $0.hasSuffix("configured text side") })
        #expect(configuredTable.lines.contains { $0.hasPrefix("thresholds ") && $0.hasSuffix("configured") })

        let unknown = try fx.ctl(["model", "show", "99"])
        #expect(unknown.status == 1 && unknown.stderr.contains("no model version with id 99"), "\(unknown)")
    }

    @Test func inspectionShowNamesTheVersionThatScoredIt() throws {
        let fx = try ModelFixture.standard()
        let file = DiscoveredFile(station: "line-1", path: "/cameras/line-1/x.png", size: 10, mtime: 1, contentHash: "ab")
        let id = try #require(try fx.store.recordDiscovered(file, at: ModelFixture.t0 + 8000))
        _ = try fx.store.claimNext(at: ModelFixture.t0 + 8001)
        var verdict = StoredVerdict(verdict: .pass, score: 0.1, imageProbability: 0.1, mapMaximum: 0.2, reviewThreshold: 0.35,
                                    failThreshold: 0.65, scoreMode: "cls", modelVersion: ModelFixture.base,
                                    timings: InspectionResult.Timings(), originalWidth: 8, originalHeight: 8, geometryJSON: "{}")
        verdict.versionID = 3
        try fx.store.complete(id: id, with: verdict, at: ModelFixture.t0 + 8002)

        let table = try fx.ctl(["show", "\(id)"])
        #expect(table.status == 0 && table.lines.contains("version_id" + String(repeating: " ", count: 10) + "3"), "\(table)")
        let json = try QueryFixture.jsonObject(try fx.ctl(["show", "\(id)", "-o", "json"]).stdout)
        #expect((json["version_id"] as? NSNumber)?.intValue == 3)
    }

    @Test func missingDatabaseExitsThree() throws {
        let fx = try ModelFixture()
        let commands: [[String]] = [
            ["model", "list"], ["model", "show", "1"], ["model", "activate", "1"], ["model", "rollback", "--station", "a"],
            ["model", "export", "1", fx.directory.appendingPathComponent("out").path],
            ["model", "import-prompts", fx.directory.appendingPathComponent("p.safetensors").path, "--station", "a"],
            ["retrain"], ["retrain", "--now", "--station", "a"], ["retrain", "--cancel"],
        ]
        for arguments in commands {
            let result = try fx.ctl(arguments, db: fx.missingDB)
            #expect(result.status == 3, "\(arguments): \(result)")
            #expect(result.stderr.contains("database not found") && result.stderr.contains(fx.missingDB), "\(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: fx.missingDB))
        #expect(!FileManager.default.fileExists(atPath: fx.directory.appendingPathComponent("out").path))
    }
}
