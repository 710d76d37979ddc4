import Foundation
import GRDB
import Inspection
@testable import Store
import Testing
import TestSupport

/// The labels migration on logs written before it existed: the daemon (or `inspectctl label`)
/// upgrades them in place, and every verdict already recorded is still there.
@Suite struct LabelMigrationTests {
    static let v1 = ["v1-inspections", "v1-maps", "v1-daemon-status"]
    static let t0 = StoreSamples.dayStart

    /// A log exactly as the previous release left it: the real v1 migrations, rows written
    /// with plain SQL (the current store would migrate the file on open).
    static func makeV1Log(at path: String) throws {
        let pool = try DatabasePool(path: path)
        try VerdictStore.schemaMigrator.migrate(pool, upTo: "v1-daemon-status")
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO inspections (station, path, size, mtime, content_hash, state, attempts, discovered_at,
                    started_at, finished_at, verdict, score, image_probability, map_maximum, review_threshold,
                    fail_threshold, score_mode, model_version, original_width, original_height)
                VALUES ('line-1', '/cameras/line-1/a.png', 1234, ?, ?, 'done', 1, ?, ?, ?, 'fail', 0.91, 0.9, 0.95,
                    0.5, 0.8, 'cls', 'clip-v1', 64, 48)
                """, arguments: [t0 - 10, String(repeating: "a", count: 64), t0, t0 + 1, t0 + 2])
            try db.execute(sql: """
                INSERT INTO inspections (station, path, size, mtime, content_hash, discovered_at)
                VALUES ('line-2', '/cameras/line-2/b.png', 99, ?, ?, ?)
                """, arguments: [t0, String(repeating: "b", count: 64), t0 + 5])
            try db.execute(sql: """
                INSERT INTO maps (inspection_id, width, height, minimum, maximum, format_version, png)
                VALUES (1, 2, 2, 0, 1, 1, x'00')
                """)
        }
        try pool.close()
    }

    @Test func v1LogIsUpgradedInPlaceAndKeepsItsRows() throws {
        let scratch = try StoreScratch()
        let path = scratch.path()
        try Self.makeV1Log(at: path)

        // Readers of this release wait for the writer to migrate, as for any schema change.
        do {
            _ = try VerdictStore.openReadOnly(path: path)
            Issue.record("read-only open of an un-migrated log")
        } catch let error as StoreError {
            let (errorPath, reason) = (error.path, error.reason)
            #expect(errorPath == path && reason.contains("schema is out of date"), "\(reason)")
        }

        do {
            let store = try VerdictStore.openForWriting(path: path)
            let info = try store.diagnostics()
            #expect(info.migrations == Self.v1 + ["v2-labels", "v3-fewshot", "v4-station-calibration", "v5-model-versions", "v6-after-processing", "v7-fewshot-fits", "v8-evidence", "v9-outputs", "v10-outbox"])
            #expect(info.tables == ["daemon_status", "evidence", "fewshot_fits", "fleet_followed", "fleet_outbox", "fleet_outbox_settings",
                                    "inspections", "labels", "maps", "model_versions", "output_status", "station_calibration",
                                    "training_jobs"])
            #expect(info.indexes.filter { $0.hasPrefix("labels_") } == [
                "labels_current_by_content", "labels_on_content_hash", "labels_on_created_at", "labels_on_inspection_id"])
            #expect(try store.counts() == [.queued: 1, .processing: 0, .done: 1, .error: 0])
            let done = try store.record(id: 1)
            #expect(done.station == "line-1" && done.verdict == .fail && done.score == 0.91 && done.finishedAt == Self.t0 + 2)
            #expect(done.originalWidth == 64 && done.originalHeight == 48 && done.modelVersion == "clip-v1")
            #expect(try store.record(id: 2).state == .queued)
            #expect(try store.currentLabels().isEmpty)
            // The old rows can be labelled; the mask is checked against the recorded 64x48.
            let mask = TestPNG.gray(width: 64, height: 48) { x, _ in x < 4 ? 255 : 0 }
            let label = try store.addLabel(inspectionID: 1, kind: .defect, defectClass: "scratch", note: nil, mask: mask,
                                           author: "qa", at: Self.t0 + 100)
            #expect(label.contentHash == String(repeating: "a", count: 64))
        }
        // Reopening is idempotent, and readers now open it.
        let again = try VerdictStore.openForWriting(path: path)
        #expect(try again.diagnostics().migrations == Self.v1 + ["v2-labels", "v3-fewshot", "v4-station-calibration", "v5-model-versions", "v6-after-processing", "v7-fewshot-fits", "v8-evidence", "v9-outputs", "v10-outbox"])
        let reader = try VerdictStore.openReadOnly(path: path)
        #expect(try reader.currentLabels().map(\.defectClass) == ["scratch"])
        #expect(try reader.map(id: 1)?.width == 2)
    }

    @Test func currentLogReopenedKeepsVerdictsAndLabels() throws {
        let scratch = try StoreScratch()
        let path = scratch.path()
        var written: [Label] = []
        do {
            let store = try VerdictStore.openForWriting(path: path)
            let id = try store.addFinished(StoreSamples.file(1), at: Self.t0, verdict: .review)
            written.append(try store.addLabel(inspectionID: id, kind: .good, defectClass: nil, note: "ok", mask: nil,
                                              author: "qa", at: Self.t0 + 1))
            written.append(try store.addLabel(inspectionID: id, kind: .defect, defectClass: "dent", note: nil, mask: nil,
                                              author: "qa", at: Self.t0 + 2))
        }
        written[0].supersededAt = Self.t0 + 2
        for _ in 0..<2 {
            let store = try VerdictStore.openForWriting(path: path)
            #expect(try store.labelHistory(contentHash: written[0].contentHash) == written)
            #expect(try store.records(VerdictFilter()).map(\.verdict) == [.review])
        }
        #expect(try VerdictStore.openReadOnly(path: path).currentLabels() == [written[1]])
    }
}
