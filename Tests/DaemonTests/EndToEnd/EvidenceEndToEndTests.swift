import Foundation
import Glibc
import Inspection
import Store
import Testing

/// Labels keep their image, with the real inspectd and inspectctl: a station moves (or
/// deletes) every file right after its verdict, QA labels 16 images only after they left the
/// folder, and the refit on reload, the retraining job and `inspectctl show --overlay` all
/// still read the very bytes that were scored — from where `after = "move"` put them (linked
/// into the evidence folder at label time) or from the evidence kept at verdict time
/// (`keep_evidence`) when they were deleted. `model export --images` writes those bytes too.
@Suite(.serialized) struct EvidenceEndToEndTests {
    @Test func labelsMadeAfterAMoveAreAllUsed() throws {
        try run(after: "move", keep: nil)
    }

    @Test func labelsMadeAfterADeleteAreAllUsed() throws {
        try run(after: "delete", keep: #"keep_evidence = ["pass", "review", "fail"]"#)
    }

    private func run(after: String, keep: String?) throws {
        let h = try DaemonHarness(after: after, fixtures: DaemonHarness.bundledFixtures)
        try h.writeConfig(after: after, extra: (keep.map { $0 + "\n" } ?? "") + RetrainEndToEndTests.retrainConfig(["after_labels": "0"]))
        try h.start()
        var parts = RetrainEndToEndTests.Parts(state: after == "move" ? 11 : 12)
        var originals = [String: [UInt8]]()
        var masks = [String: String]()
        for i in 0..<16 {
            let made = parts.image(defect: i >= 8)
            let path = try h.writeAtomically("part-\(i).png", made.png)
            originals[path] = made.png
            if let mask = made.mask {
                let maskPath = h.root.appendingPathComponent("mask-\(i).png").path
                try PNGEncoder.write(mask, to: maskPath)
                masks[path] = maskPath
            }
        }
        let rows = try h.waitForFinished(16, timeout: 120)
        #expect(rows.allSatisfy { $0.state == .done }, "\(rows.map { "\($0.path) \($0.state) \($0.errorMessage ?? "")" })")
        // Every file has left the folder before QA looks at it.
        let deadline = Date().addingTimeInterval(20)
        while originals.keys.contains(where: { FileManager.default.fileExists(atPath: $0) }) && Date() < deadline {
            usleep(100_000)
        }
        #expect(!originals.keys.contains { FileManager.default.fileExists(atPath: $0) }, "files still in the watched folder")

        for row in rows {
            let args = masks[row.path].map { ["label", "\(row.id)", "defect", "--mask", $0] } ?? ["label", "\(row.id)", "good"]
            let (status, text) = try h.inspectctl(args)
            #expect(status == 0 && !text.contains("warning"), "\(text)")
        }
        let store = try VerdictStore.openReadOnly(path: h.database)
        let labelIDs = Set(try store.currentLabels(station: "line1").map(\.id))
        #expect(labelIDs.count == 16)
        try checkEvidence(h, rows: rows, after: after)

        // Refit on reload: a new configured version fitted on all 16.
        let before = try #require(try store.activeVersion(station: "line1")).id
        let mark = h.notify.count
        h.signal(SIGHUP)
        #expect(h.notify.wait(for: "READY=1", after: mark, timeout: 120))
        // The fit runs in the background after READY; the version appears when it is done.
        var fitted: ModelVersionRecord?
        let fitDeadline = Date().addingTimeInterval(120)
        while fitted == nil && Date() < fitDeadline {
            fitted = try store.versions(station: "line1").first { $0.source == .configured && $0.id > before }
            if fitted == nil { usleep(200_000) }
        }
        let refit = try #require(fitted, "no refit within 120 s; stderr: \(h.stderrText())")
        #expect(Set(refit.trainingLabelIDs) == labelIDs)
        // Written by the loop right after the version row.
        var calibrated = try store.calibrations().first { $0.station == "line1" }
        let calibrationDeadline = Date().addingTimeInterval(10)
        while (calibrated.map { $0.goodCount + $0.defectCount } ?? 0) < 16 && Date() < calibrationDeadline {
            usleep(100_000)
            calibrated = try store.calibrations().first { $0.station == "line1" }
        }
        let calibration = try #require(calibrated)
        #expect(calibration.goodCount == 8 && calibration.defectCount == 8, "\(calibration)")

        // The refit filled the encoding cache: one entry per labelled image.
        let entries = try Self.cacheEntries(h)
        #expect(entries.count == 16, "\(entries)")
        Thread.sleep(forTimeInterval: 0.05)
        let refitDone = Date()

        // Retraining encodes every one of them — from the cache (each entry is used again).
        let (retrainStatus, retrainText) = try h.inspectctl(["retrain", "--now"])
        #expect(retrainStatus == 0, "\(retrainText)")
        let job = try RetrainEndToEndTests.waitForJob(h, count: 1, timeout: 300)
        #expect(job.state == .finished, "\(job.message ?? "-")")
        let candidate = try store.version(id: try #require(job.candidateID))
        #expect(Set(candidate.trainingLabelIDs + candidate.heldOutLabelIDs) == labelIDs)
        let used = try Self.cacheEntries(h)
        #expect(used.count == 16 && used.values.allSatisfy { $0 > refitDone }, "\(used) vs \(refitDone)")

        // The export carries the very bytes each label names.
        let export = h.root.appendingPathComponent("export").path
        let (exportStatus, exportText) = try h.inspectctl(["model", "export", "\(refit.id)", export, "--images"])
        #expect(exportStatus == 0 && !exportText.contains("warning"), "\(exportText)")
        let labelsJSON = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: export + "/labels.json")))
        let exported = try #require(labelsJSON as? [[String: Any]])
        #expect(exported.count == 16)
        for entry in exported {
            let file = try #require(entry["file"] as? String, "\(entry)")
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: export + "/" + file)))
            #expect(ContentHash.sha256(bytes) == entry["content_hash"] as? String)
            #expect(originals[try #require(entry["path"] as? String)] == bytes)
        }

        // The overlay is drawn on the image that was scored, not on grey.
        let row = try #require(rows.first)
        let out = h.root.appendingPathComponent("overlay.png").path
        let (status, text) = try h.inspectctl(["show", "\(row.id)", "--overlay", out])
        #expect(status == 0 && !text.contains("grey"), "\(text)")
        let drawn = try ImageDecoder().decode(file: out).image
        let expected = try Self.overlay(of: row, original: try #require(originals[row.path]), store: store)
        let grey = try Self.overlay(of: row, original: nil, store: store)
        #expect(drawn.pixels == expected.pixels, "overlay differs from one drawn on the original image")
        #expect(drawn.pixels != grey.pixels)

        #expect(h.stop() == 0)
        let log = h.stderrText()
        #expect(!log.contains("labeled image not used"), "\(log)")
        #expect(!log.contains("not kept as evidence"), "\(log)")
    }

    /// Each labelled content is in the evidence folder, verified, 0640 when copied, in 0750
    /// folders; a moved file is linked (it shares the archived inode), a deleted one was kept
    /// at verdict time.
    private func checkEvidence(_ h: DaemonHarness, rows: [InspectionRecord], after: String) throws {
        let evidence = EvidenceStore(databasePath: h.database)
        var info = stat()
        #expect(stat(evidence.directory, &info) == 0 && info.st_mode & 0o777 == 0o750)
        let reader = try VerdictStore.openReadOnly(path: h.database)
        for row in try rows.map({ try reader.record(id: $0.id) }) {
            let path = evidence.path(for: row.contentHash)
            #expect(evidence.contains(row.contentHash), "\(path)")
            #expect(stat(path, &info) == 0)
            if after == "move" {
                #expect(info.st_nlink == 2, "linked with \(row.afterPath ?? "-")")
                #expect(row.afterPath?.hasPrefix(h.done.path) == true)
            } else {
                #expect(info.st_nlink == 1 && info.st_mode & 0o777 != 0)
            }
        }
        let kept = try VerdictStore.openReadOnly(path: h.database).evidenceTotals()
        #expect(kept.files == 16)
    }

    /// The encoding cache's entries beside the database, with their last use (mtime).
    static func cacheEntries(_ h: DaemonHarness) throws -> [String: Date] {
        let root = URL(fileURLWithPath: h.database).deletingLastPathComponent().appendingPathComponent("encodings").path
        var found = [String: Date]()
        for base in try FileManager.default.contentsOfDirectory(atPath: root) {
            for name in try FileManager.default.contentsOfDirectory(atPath: root + "/" + base) where name.hasSuffix(".enc") {
                let attributes = try FileManager.default.attributesOfItem(atPath: root + "/" + base + "/" + name)
                found[name] = attributes[.modificationDate] as? Date
            }
        }
        return found
    }

    /// What `show --overlay` must draw for `row`: on the original bytes, or on grey.
    static func overlay(of row: InspectionRecord, original bytes: [UInt8]?, store: VerdictStore) throws -> RGBImage {
        let map = try #require(try store.map(id: row.id)).decode()
        let geometry = try JSONDecoder().decode(InputGeometry.self, from: Data(try #require(row.geometryJSON).utf8))
        let image = try bytes.map { try ImageDecoder().decode(data: $0, name: row.path).image }
            ?? RGBImage(width: geometry.originalWidth, height: geometry.originalHeight,
                        pixels: [UInt8](repeating: 128, count: geometry.originalWidth * geometry.originalHeight * 3))
        let caption = String(format: "#%lld %@ %.3f", row.id, row.verdict?.rawValue ?? row.state.rawValue, row.score ?? 0)
        return OverlayRenderer().render(original: image, map: map, geometry: geometry, range: nil, caption: caption)
    }
}
