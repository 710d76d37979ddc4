import Foundation
import Inspection
import Store
import Testing
import TestSupport

/// `inspectctl label --import` on generated MVTec-style folders: bad files and masks are
/// reported and skipped without losing the rest, and re-imports supersede instead of piling up.
@Suite struct LabelImportTests {
    let scratch: StoreScratch
    let dbPath: String
    let dataset: URL

    init() throws {
        scratch = try StoreScratch()
        dbPath = scratch.path("inspectd.db")
        _ = try VerdictStore.openForWriting(path: dbPath)
        dataset = scratch.directory.appendingPathComponent("bottle")
    }

    private func path(_ relative: String) -> String { dataset.appendingPathComponent(relative).path }

    private func image(_ relative: String, seed: Int, width: Int = 64, height: Int = 48) throws {
        try LabelSupport.writePNG(LabelSupport.image(width: width, height: height, seed: seed), to: path(relative))
    }

    private func mask(_ relative: String, width: Int = 64, height: Int = 48, on: UInt16 = 255) throws {
        try LabelSupport.write(TestPNG.gray(width: width, height: height) { x, y in x > 10 && x < 20 && y < 8 ? on : 0 },
                               to: path(relative))
    }

    /// good/ (3, one JPEG), scratch/ (3, masks; one mask 32x24), dent/ (3, one mask, one
    /// corrupt image), plus a stray text file, an unused mask and a hidden file.
    private func makeClassFolders() throws {
        try image("good/000.png", seed: 1)
        try image("good/001.png", seed: 2)
        try LabelSupport.write(try JPEGEncoder.encodeRGB8(LabelSupport.image(width: 64, height: 48, seed: 3)),
                               to: path("good/002.jpg"))
        try LabelSupport.write(Array("taken on line 3".utf8), to: path("good/notes.txt"))
        try LabelSupport.write(Array("x".utf8), to: path("good/.DS_Store"))
        for n in 0..<3 { try image("scratch/00\(n).png", seed: 10 + n) }
        try mask("ground_truth/scratch/000_mask.png")
        try mask("ground_truth/scratch/001_mask.png", on: 1)
        try mask("ground_truth/scratch/002_mask.png", width: 32, height: 24)
        try image("dent/000.png", seed: 20)
        try image("dent/001.png", seed: 21)
        try LabelSupport.write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0x41, count: 64),
                               to: path("dent/002.png"))
        try mask("ground_truth/dent/000_mask.png")
        try mask("ground_truth/dent/007_mask.png")
    }

    private func importing(_ extra: [String] = [], db: String? = nil) throws -> QueryFixture.Result {
        try LabelSupport.run(["label", "--db", db ?? dbPath, "--import", dataset.path] + extra, in: scratch.directory,
                             environment: ["SUDO_USER": "dataset-bot"])
    }

    @Test func importLabelsGoodDefectsAndMasksAndSkipsTheBadOnes() throws {
        try makeClassFolders()
        let result = try importing(["--station", "line-3"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.contains(
            "imported 7 label(s) from class folders \(dataset.path): good 3, dent 2, scratch 2; "
                + "3 with mask, 0 superseded, 2 skipped, 1 non-image file(s) ignored"), "\(result.stdout)")
        #expect(result.stderr.contains("skipped \(path("dent/002.png")): "), "\(result.stderr)")
        #expect(result.stderr.contains(
            "skipped \(path("scratch/002.png")): \(path("ground_truth/scratch/002_mask.png")): invalid defect mask: "
                + "size 32x24 does not match the image 64x48"), "\(result.stderr)")
        #expect(result.stderr.contains("\(path("ground_truth/dent/007_mask.png")) matches no image"), "\(result.stderr)")

        let store = try VerdictStore.openReadOnly(path: dbPath)
        let labels = try store.currentLabels()
        #expect(labels.count == 7)
        #expect(Set(labels.map(\.path)) == Set(["good/000.png", "good/001.png", "good/002.jpg", "scratch/000.png",
                                                 "scratch/001.png", "dent/000.png", "dent/001.png"].map(path)))
        #expect(labels.allSatisfy { $0.source == "import" && $0.station == "line-3" && $0.inspectionID == nil })
        #expect(labels.allSatisfy { $0.author == "dataset-bot" })
        let byPath = Dictionary(uniqueKeysWithValues: labels.map { ($0.path, $0) })
        #expect(byPath[path("good/002.jpg")]?.kind == .good && byPath[path("good/002.jpg")]?.mask == nil)
        #expect(byPath[path("scratch/001.png")]?.defectClass == "scratch" && byPath[path("scratch/001.png")]?.mask != nil)
        #expect(byPath[path("dent/001.png")]?.kind == .defect && byPath[path("dent/001.png")]?.mask == nil)
        #expect(byPath[path("dent/000.png")]?.contentHash == (try ContentHash.sha256(file: path("dent/000.png"))))
        // The 0/1 mask was stored as 0/255 with its 9x8 region.
        let stored = try #require(byPath[path("scratch/001.png")]?.mask)
        let decoded = try ImageDecoder().decode(data: stored, name: "m").image
        #expect(decoded.width == 64 && decoded.pixels.filter { $0 == 255 }.count == 9 * 8 * 3)
        #expect(try store.currentLabels(station: "line-3").count == 7)
    }

    @Test func reimportSupersedesInsteadOfDuplicating() throws {
        try makeClassFolders()
        #expect(try importing().status == 1)
        let store = try VerdictStore.openReadOnly(path: dbPath)
        let first = try store.currentLabels()
        let again = try importing()
        #expect(again.status == 1, "\(again)")
        #expect(again.stdout.contains("imported 7 label(s)") && again.stdout.contains("7 superseded"), "\(again.stdout)")
        let current = try store.currentLabels()
        #expect(current.count == 7)
        #expect(Set(current.map(\.contentHash)) == Set(first.map(\.contentHash)))
        #expect(Set(current.map(\.id)).isDisjoint(with: first.map(\.id)))
        let hash = try ContentHash.sha256(file: path("good/000.png"))
        #expect(try store.labelHistory(contentHash: hash).map(\.isCurrent) == [false, true])
        #expect(try store.labelCount(since: 0) == 14)
    }

    @Test func dryRunChecksEverythingAndWritesNothing() throws {
        try makeClassFolders()
        let result = try importing(["--dry-run"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.contains("dry run: would import 7 label(s)") && result.stdout.contains("2 skipped"), "\(result)")
        #expect(try VerdictStore.openReadOnly(path: dbPath).labelCount(since: 0) == 0)
    }

    @Test func cleanCategoryRootImportsEverythingAndExitsZero() throws {
        try image("train/good/000.png", seed: 31)
        try image("train/good/001.png", seed: 32)
        try image("test/good/000.png", seed: 33)
        try image("test/broken_large/000.png", seed: 34)
        try image("test/broken_large/001.png", seed: 35)
        try mask("ground_truth/broken_large/000_mask.png")
        try mask("ground_truth/broken_large/001_mask.png")
        try LabelSupport.write(Array("CC BY-NC-SA 4.0".utf8), to: path("license.txt"))
        let result = try importing()
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains(
            "imported 5 label(s) from MVTec category root \(dataset.path): good 3, broken_large 2; "
                + "2 with mask, 0 superseded, 0 skipped"), "\(result.stdout)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        let labels = try VerdictStore.openReadOnly(path: dbPath).currentLabels()
        #expect(labels.filter { $0.kind == .good }.count == 3)
        #expect(labels.filter { $0.defectClass == "broken_large" && $0.mask != nil }.count == 2)
    }

    @Test func emptyOrMissingFolderIsAnError() throws {
        try FileManager.default.createDirectory(at: dataset, withIntermediateDirectories: true)
        let empty = try importing()
        #expect(empty.status == 1 && empty.stderr.contains("no .png/.jpg images found"), "\(empty)")
        let missing = try LabelSupport.run(["label", "--db", dbPath, "--import", scratch.path("nowhere")],
                                           in: scratch.directory)
        #expect(missing.status == 1 && missing.stderr.contains("not a directory"), "\(missing)")
    }
}
