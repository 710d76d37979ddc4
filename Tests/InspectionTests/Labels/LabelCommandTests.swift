import Foundation
import Inspection
import Store
import Testing
import TestSupport

/// `inspectctl label ID good|defect`, `--list` and `--history` against a real log that the
/// fixture keeps open for writing, as the running daemon would.
@Suite struct LabelCommandTests {
    let fx: QueryFixture

    init() throws {
        fx = try QueryFixture()
    }

    private func label(_ arguments: [String], db: String? = nil, as user: String = "qa-alice") throws -> QueryFixture.Result {
        try LabelSupport.run(["label", "--db", db ?? fx.dbPath] + arguments, in: fx.directory,
                             environment: ["SUDO_USER": user])
    }

    private func maskFile(_ name: String, width: Int, height: Int, _ value: (Int, Int) -> UInt16) throws -> String {
        let path = fx.directory.appendingPathComponent(name).path
        try LabelSupport.write(TestPNG.gray(width: width, height: height, value), to: path)
        return path
    }

    @Test func labelThenRelabelSupersedesAndHistoryKeepsBoth() throws {
        let a = "\(fx.id("a"))"
        // Row a was scored at 400x300; 10x5 defect pixels.
        let mask = try maskFile("a_mask.png", width: 400, height: 300) { x, y in x < 10 && y < 5 ? 255 : 0 }
        let first = try label([a, "defect", "--class", "scratch", "--mask", mask, "--note", "near the edge"])
        #expect(first.status == 0, "\(first)")
        #expect(first.stdout.contains("inspection \(a) is defect (class scratch, mask 50 defect px), by qa-alice"), "\(first.stdout)")
        #expect(first.stdout.contains("first label for this content"), "\(first.stdout)")

        // The daemon's own connection sees it at once.
        let stored = try #require(try fx.store.currentLabels().first)
        #expect(stored.inspectionID == fx.id("a") && stored.path == fx.imagePath && stored.station == "line-1")
        #expect(stored.author == "qa-alice" && stored.source == "cli" && stored.note == "near the edge" && stored.mask != nil)

        let second = try label([a, "good"], as: "bob")
        #expect(second.status == 0, "\(second)")
        #expect(second.stdout.contains("superseded label #\(stored.id) (defect scratch, by qa-alice"), "\(second.stdout)")

        let history = try label(["--history", a, "-o", "json"])
        #expect(history.status == 0, "\(history)")
        let rows = try QueryFixture.jsonLines(history.stdout)
        #expect(rows.map { $0["kind"] as? String } == ["defect", "good"])
        #expect(rows.map { $0["current"] as? Bool } == [false, true])
        #expect(rows[0]["superseded_at"] is String && rows[1]["superseded_at"] is NSNull)
        #expect(rows.map { $0["author"] as? String } == ["qa-alice", "bob"])
        #expect(rows[0]["has_mask"] as? Bool == true && rows[0]["defect_class"] as? String == "scratch")

        let table = try label(["--history", a])
        #expect(table.status == 0 && table.stdout.contains("2 label(s)") && table.stdout.contains("SUPERSEDED"), "\(table)")

        let list = try label(["--list", "-o", "json"])
        #expect(try QueryFixture.jsonLines(list.stdout).map { $0["kind"] as? String } == ["good"], "\(list)")
        let otherStation = try label(["--list", "--station", "line-2"])
        #expect(otherStation.status == 0 && otherStation.stdout.contains("0 label(s)"), "\(otherStation)")
        #expect(try fx.store.labelCount(since: 0) == 2)
    }

    /// The labelled bytes go to the evidence folder; an image that is gone, or whose path now
    /// holds other bytes, is still labelled, with a warning naming the path, and nothing is kept.
    @Test func labellingKeepsTheImageOrWarnsNamingThePath() throws {
        let evidence = EvidenceStore(databasePath: fx.dbPath)
        let kept = try label(["\(fx.id("a"))", "good"])
        #expect(kept.status == 0 && !kept.stderr.contains("warning"), "\(kept)")
        #expect(evidence.verifiedBytes(fx.imageHash) == [UInt8](try Data(contentsOf: URL(fileURLWithPath: fx.imagePath))))
        #expect(try fx.store.evidenceTotals().files == 1)

        let gone = try label(["\(fx.id("c"))", "defect"])
        #expect(gone.status == 0, "\(gone)")
        #expect(gone.stderr.contains("warning: label recorded, but its image cannot be found: "
                                     + "\(QueryFixture.path("c", "line-1")) is gone"), "\(gone.stderr)")
        #expect(!evidence.contains(QueryFixture.hash("c")))

        // The camera wrote a new image under the labelled name: its bytes are not the label's.
        try Data("other bytes".utf8).write(to: URL(fileURLWithPath: fx.imagePath))
        try FileManager.default.removeItem(atPath: evidence.path(for: fx.imageHash))
        let rewritten = try label(["\(fx.id("a"))", "defect"])
        #expect(rewritten.status == 0 && rewritten.stderr.contains("\(fx.imagePath) now holds other content"),
                "\(rewritten.stderr)")
        #expect(!evidence.contains(fx.imageHash))
        #expect(try fx.store.currentLabels().count == 2)
    }

    @Test func authorFallsBackToUSER() throws {
        let result = try LabelSupport.run(["label", "--db", fx.dbPath, "\(fx.id("b"))", "defect"], in: fx.directory,
                                          environment: ["USER": "carol"])
        #expect(result.status == 0, "\(result)")
        #expect(try fx.store.currentLabels().map(\.author) == ["carol"])
    }

    @Test func badArgumentsAreUsageErrorsAndWriteNothing() throws {
        let a = "\(fx.id("a"))"
        let mask = try maskFile("m.png", width: 400, height: 300) { _, _ in 255 }
        let cases: [([String], String)] = [
            ([], "expected <id> good|defect"),
            ([a], "expected good or defect"),
            ([a, "maybe"], "(got maybe)"),
            ([a, "good", "--class", "scratch"], "a good label cannot have a defect class"),
            ([a, "good", "--mask", mask], "a good label cannot have a defect mask"),
            ([a, "defect", "--class", "deep scratch"], "may only use letters"),
            ([a, "defect", "--dry-run"], "--dry-run only applies"),
            (["--list", "--import", fx.directory.path], "mutually exclusive"),
            ([a, "good", "--list"], "mutually exclusive"),
            (["--list", "-o", "csv"], "expected table or json"),
            (["--history", a, "--station", "line-1"], "--station only applies"),
            (["--import", fx.directory.path, "-o", "json"], "-o only applies"),
            (["--list", "--mask", mask], "--mask only applies"),
            (["not-a-number", "good"], "is invalid for '<id>'"),
        ]
        for (arguments, message) in cases {
            let result = try label(arguments)
            #expect(result.status == 64, "\(arguments): \(result)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        // Usage errors come before the database is looked for.
        let missing = fx.directory.appendingPathComponent("none.db").path
        #expect(try label([a, "good", "--class", "x"], db: missing).status == 64)
        #expect(try fx.store.labelCount(since: 0) == 0)
    }

    @Test func unknownIDExitsOneAndMissingDatabaseThree() throws {
        let unknown = try label(["9999", "good"])
        #expect(unknown.status == 1, "\(unknown)")
        #expect(unknown.stderr.contains("no inspection with id 9999"), "\(unknown.stderr)")
        let history = try label(["--history", "9999"])
        #expect(history.status == 1 && history.stderr.contains("no inspection with id 9999"), "\(history)")

        let missing = fx.directory.appendingPathComponent("missing.db").path
        let dataset = fx.directory.appendingPathComponent("dataset")
        try LabelSupport.writePNG(LabelSupport.image(width: 8, height: 8, seed: 1),
                                  to: dataset.appendingPathComponent("good/1.png").path)
        for arguments in [["1", "good"], ["--list"], ["--history", "1"], ["--import", dataset.path]] {
            let result = try label(arguments, db: missing)
            #expect(result.status == 3, "\(arguments): \(result)")
            #expect(result.stderr.contains("database not found") && result.stderr.contains(missing), "\(result.stderr)")
        }
        for suffix in ["", "-wal", "-shm"] {
            #expect(!FileManager.default.fileExists(atPath: missing + suffix), "created \(missing + suffix)")
        }
        // A file that is not a verdict log is refused (5) and left as it was.
        let other = fx.directory.appendingPathComponent("notes.db").path
        _ = FileManager.default.createFile(atPath: other, contents: nil)
        let foreign = try label(["1", "good"], db: other)
        #expect(foreign.status == 5 && foreign.stderr.contains("not an inspectd verdict log"), "\(foreign)")
        #expect(try FileManager.default.attributesOfItem(atPath: other)[.size] as? Int == 0)
    }

    @Test func invalidMasksExitOneAndWriteNothing() throws {
        let a = "\(fx.id("a"))"
        let small = try maskFile("small.png", width: 40, height: 30) { _, _ in 255 }
        let wrongSize = try label([a, "defect", "--mask", small])
        #expect(wrongSize.status == 1, "\(wrongSize)")
        #expect(wrongSize.stderr.contains("\(small): invalid defect mask: size 40x30 does not match the image 400x300"),
                "\(wrongSize.stderr)")
        let soft = try maskFile("soft.png", width: 400, height: 300) { x, _ in UInt16(x % 3 == 0 ? 0 : x % 3 == 1 ? 17 : 255) }
        let nonBinary = try label([a, "defect", "--mask", soft])
        #expect(nonBinary.status == 1 && nonBinary.stderr.contains("not binary: found values 0, 17, 255"), "\(nonBinary)")
        let text = fx.directory.appendingPathComponent("mask.png").path
        try LabelSupport.write(Array("hello".utf8), to: text)
        let notPNG = try label([a, "defect", "--mask", text])
        #expect(notPNG.status == 1 && notPNG.stderr.contains("not a PNG"), "\(notPNG)")
        #expect(try fx.store.labelCount(since: 0) == 0)

        // An all-black mask is allowed, with a warning.
        let empty = try maskFile("empty.png", width: 400, height: 300) { _, _ in 0 }
        let warned = try label([a, "defect", "--mask", empty])
        #expect(warned.status == 0 && warned.stderr.contains("has no defect pixels"), "\(warned)")
    }

    @Test func maskOfARowWithoutRecordedSizeIsCheckedAgainstTheImageFile() throws {
        let imagePath = fx.directory.appendingPathComponent("line-1/queued.png").path
        try LabelSupport.writePNG(LabelSupport.image(width: 120, height: 80, seed: 9), to: imagePath)
        let id = try #require(try fx.store.recordDiscovered(
            DiscoveredFile(station: "line-1", path: imagePath, size: 1, mtime: 0,
                           contentHash: try ContentHash.sha256(file: imagePath)), at: QueryFixture.day))
        let fits = try maskFile("fits.png", width: 120, height: 80) { x, _ in x == 0 ? 1 : 0 }
        let ok = try label(["\(id)", "defect", "--mask", fits])
        #expect(ok.status == 0 && ok.stdout.contains("mask 80 defect px"), "\(ok)")
        let wrong = try maskFile("wrong.png", width: 400, height: 300) { _, _ in 0 }
        let refused = try label(["\(id)", "defect", "--mask", wrong])
        #expect(refused.status == 1 && refused.stderr.contains("does not match the image 120x80"), "\(refused)")

        // Queued row i has no size and its file does not exist: the mask cannot be checked.
        let unknown = try label(["\(fx.id("i"))", "defect", "--mask", fits])
        #expect(unknown.status == 1 && unknown.stderr.contains("cannot check its size"), "\(unknown)")
        // Without a mask the same row can be labelled.
        #expect(try label(["\(fx.id("i"))", "defect"]).status == 0)
    }
}
