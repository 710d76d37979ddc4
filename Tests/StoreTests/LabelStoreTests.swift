import Foundation
import GRDB
import Inspection
import Store
import Testing
import TestSupport

/// The store side of labels: both entry points, supersede-with-history, the checks, and the
/// queries calibration and retraining code relies on.
@Suite struct LabelStoreTests {
    let scratch: StoreScratch
    let store: VerdictStore
    let t0 = StoreSamples.dayStart

    init() throws {
        scratch = try StoreScratch()
        store = try VerdictStore.openForWriting(path: scratch.path())
    }

    /// A finished inspection of 640x480 (StoreSamples' recorded size).
    private func inspected(_ n: Int, station: String = "line-1") throws -> Int64 {
        try store.addFinished(StoreSamples.file(n, station: station), at: t0 + Double(n), verdict: .pass)
    }

    private func mask(width: Int, height: Int, defects: Int = 5) -> [UInt8] {
        TestPNG.gray(width: width, height: height) { x, y in y * width + x < defects ? 1 : 0 }
    }

    @Test func labelByInspectionIDTakesStationPathAndHashFromTheRow() throws {
        let id = try inspected(1)
        let label = try store.addLabel(inspectionID: id, kind: .defect, defectClass: "scratch", note: "edge",
                                       mask: mask(width: 640, height: 480), author: "alice", at: t0 + 100)
        let file = StoreSamples.file(1)
        #expect(label.inspectionID == id)
        #expect(label.station == "line-1" && label.path == file.path && label.contentHash == file.contentHash)
        #expect(label.kind == .defect && label.defectClass == "scratch" && label.note == "edge")
        #expect(label.author == "alice" && label.createdAt == t0 + 100 && label.supersededAt == nil && label.source == "cli")
        // Stored normalised: the 0/1 input comes back as 8-bit gray 0/255.
        let stored = try #require(label.mask)
        let decoded = try ImageDecoder().decode(data: stored, name: "m").image
        #expect(decoded.pixels.filter { $0 == 255 }.count == 5 * 3)
        #expect(try store.currentLabels() == [label])
    }

    @Test func labelByPathNeedsNoInspection() throws {
        let label = try store.addLabel(path: "/datasets/bottle/good/000.png", contentHash: String(repeating: "c", count: 64),
                                       station: nil, kind: .good, defectClass: nil, note: nil, mask: nil,
                                       author: "importer", source: "import", at: t0)
        #expect(label.inspectionID == nil && label.station == nil && label.source == "import")
        #expect(try store.currentLabels() == [label])
        #expect(try store.labelHistory(contentHash: label.contentHash) == [label])
    }

    @Test func relabelSupersedesAndHistoryKeepsBoth() throws {
        let id = try inspected(2)
        let first = try store.addLabel(inspectionID: id, kind: .good, defectClass: nil, note: nil, mask: nil,
                                       author: "bob", at: t0 + 10)
        let second = try store.addLabel(inspectionID: id, kind: .defect, defectClass: "dent", note: "second look",
                                        mask: nil, author: "alice", at: t0 + 20)
        #expect(second.id > first.id)
        #expect(try store.currentLabels() == [second])
        var superseded = first
        superseded.supersededAt = t0 + 20
        #expect(try store.labelHistory(contentHash: first.contentHash) == [superseded, second])
        // The same content imported from a dataset folder replaces the CLI label too.
        let third = try store.addLabel(path: "/datasets/x.png", contentHash: first.contentHash, station: "line-1",
                                       kind: .defect, defectClass: "dent", note: nil, mask: nil, author: "importer",
                                       source: "import", at: t0 + 30)
        #expect(try store.currentLabels() == [third])
        #expect(try store.labelHistory(contentHash: first.contentHash).map(\.supersededAt) == [t0 + 20, t0 + 30, nil])
    }

    @Test func currentLabelsAreOldestFirstAndFilterByStation() throws {
        let a = try inspected(3, station: "line-1")
        let b = try inspected(4, station: "line-2")
        let c = try inspected(5, station: "line-1")
        let lc = try store.addLabel(inspectionID: c, kind: .good, defectClass: nil, note: nil, mask: nil, author: "q", at: t0 + 1)
        let la = try store.addLabel(inspectionID: a, kind: .good, defectClass: nil, note: nil, mask: nil, author: "q", at: t0 + 2)
        let lb = try store.addLabel(inspectionID: b, kind: .defect, defectClass: nil, note: nil, mask: nil, author: "q", at: t0 + 3)
        let imported = try store.addLabel(path: "/d/1.png", contentHash: "f00d", station: nil, kind: .good, defectClass: nil,
                                          note: nil, mask: nil, author: "q", source: "import", at: t0 + 4)
        #expect(try store.currentLabels() == [lc, la, lb, imported])
        #expect(try store.currentLabels(station: "line-1") == [lc, la])
        #expect(try store.currentLabels(station: "line-2") == [lb])
        #expect(try store.currentLabels(station: "press-9") == [])
    }

    @Test func goodLabelWithClassOrMaskIsRefused() throws {
        let id = try inspected(6)
        let item = "label for inspection \(id)"
        #expect(throws: InspectionError.invalidLabel(item: item, reason: "a good label cannot have a defect class (got 'scratch')")) {
            try store.addLabel(inspectionID: id, kind: .good, defectClass: "scratch", note: nil, mask: nil, author: "q", at: t0)
        }
        #expect(throws: InspectionError.invalidLabel(item: item, reason: "a good label cannot have a defect mask")) {
            try store.addLabel(inspectionID: id, kind: .good, defectClass: nil, note: nil,
                               mask: mask(width: 640, height: 480), author: "q", at: t0)
        }
        #expect(throws: InspectionError.invalidLabel(
            item: item, reason: "defect class 'deep scratch' may only use letters, digits, '.', '_' and '-'")) {
            try store.addLabel(inspectionID: id, kind: .defect, defectClass: "deep scratch", note: nil, mask: nil, author: "q", at: t0)
        }
        #expect(throws: InspectionError.invalidLabel(item: item, reason: "author must not be empty")) {
            try store.addLabel(inspectionID: id, kind: .defect, defectClass: nil, note: nil, mask: nil, author: " ", at: t0)
        }
        #expect(try store.currentLabels().isEmpty)
        // A defect without class (unknown type) and without mask is fine.
        let unknown = try store.addLabel(inspectionID: id, kind: .defect, defectClass: nil, note: nil, mask: nil, author: "q", at: t0)
        #expect(unknown.defectClass == nil && unknown.mask == nil)
        #expect(LabelRules.isValidClassName("broken_large") && LabelRules.isValidClassName("v1.2-a"))
        #expect(!LabelRules.isValidClassName("") && !LabelRules.isValidClassName("a/b") && !LabelRules.isValidClassName("kratzer-ü"))
    }

    @Test func unknownInspectionAndBadMaskAreRefusedAndNothingIsWritten() throws {
        #expect(throws: InspectionError.notFound(what: "inspection", id: 4242)) {
            try store.addLabel(inspectionID: 4242, kind: .good, defectClass: nil, note: nil, mask: nil, author: "q", at: t0)
        }
        let id = try inspected(7)
        #expect(throws: InspectionError.invalidMask(
            path: "mask of label for inspection \(id)", reason: "size 64x48 does not match the image 640x480")) {
            try store.addLabel(inspectionID: id, kind: .defect, defectClass: nil, note: nil,
                               mask: mask(width: 64, height: 48), author: "q", at: t0)
        }
        #expect(throws: InspectionError.self) {
            try store.addLabel(path: "/d/x.png", contentHash: "abc", station: nil, kind: .defect, defectClass: nil, note: nil,
                               mask: Array("not a png".utf8), author: "q", source: "import", at: t0)
        }
        #expect(try store.labelCount(since: 0) == 0)
    }

    @Test func labelCountSinceCountsEveryLabelCreatedSince() throws {
        let a = try inspected(8)
        let b = try inspected(9)
        try store.addLabel(inspectionID: a, kind: .good, defectClass: nil, note: nil, mask: nil, author: "q", at: t0 + 100)
        try store.addLabel(inspectionID: b, kind: .good, defectClass: nil, note: nil, mask: nil, author: "q", at: t0 + 200)
        try store.addLabel(inspectionID: a, kind: .defect, defectClass: "dent", note: nil, mask: nil, author: "q", at: t0 + 300)
        #expect(try store.labelCount(since: 0) == 3)
        #expect(try store.labelCount(since: t0 + 200) == 2, "at or after, relabels included")
        #expect(try store.labelCount(since: t0 + 201) == 1)
        #expect(try store.labelCount(since: t0 + 301) == 0)
        // Readers see the same through a read-only connection.
        #expect(try VerdictStore.openReadOnly(path: store.path).labelCount(since: t0 + 200) == 2)
    }

    @Test func readOnlyStoreRefusesToLabel() throws {
        let id = try inspected(10)
        let reader = try VerdictStore.openReadOnly(path: store.path)
        do {
            try reader.addLabel(inspectionID: id, kind: .good, defectClass: nil, note: nil, mask: nil, author: "q", at: t0)
            Issue.record("read-only store wrote a label")
        } catch let error as StoreError {
            let (path, reason) = (error.path, error.reason)
            #expect(path == store.path && reason.contains("read-only"))
        }
    }

    @Test func labelsOutliveTheirInspectionUnderRetention() throws {
        let id = try inspected(11)
        let label = try store.addLabel(inspectionID: id, kind: .defect, defectClass: "dent", note: nil, mask: nil,
                                       author: "q", at: t0 + 50)
        let removed = try store.applyRetention(verdictDays: 1, mapDays: nil, now: t0 + 10 * 86400)
        #expect(removed.rows == 1)
        var expected = label
        expected.inspectionID = nil
        #expect(try store.currentLabels() == [expected])
    }

    @Test func theFileAllowsOnlyOneCurrentLabelPerContent() throws {
        try store.addLabel(path: "/d/1.png", contentHash: "same", station: nil, kind: .good, defectClass: nil, note: nil,
                           mask: nil, author: "q", source: "import", at: t0)
        let queue = try DatabaseQueue(path: store.path)
        defer { try? queue.close() }
        #expect(throws: DatabaseError.self) {
            try queue.write { db in
                try db.execute(sql: """
                    INSERT INTO labels (path, content_hash, kind, author, created_at, source)
                    VALUES ('/d/2.png', 'same', 'good', 'q', 0, 'import')
                    """)
            }
        }
        #expect(throws: DatabaseError.self) {
            try queue.write { db in
                try db.execute(sql: """
                    INSERT INTO labels (path, content_hash, kind, defect_class, author, created_at, source)
                    VALUES ('/d/3.png', 'other', 'good', 'scratch', 'q', 0, 'import')
                    """)
            }
        }
    }
}
