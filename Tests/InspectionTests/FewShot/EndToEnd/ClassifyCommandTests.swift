import Foundation
import Inspection
import Testing

/// `inspectctl classify` as an integrator runs it: the real binary and the fixture model on a
/// generated three-class support/query folder set with a truncated and a non-image query file.
@Suite(.serialized) struct ClassifyCommandTests {
    static let classes = ["scratch", "spot", "square"]
    let fx: ReferenceFixture

    init() throws {
        fx = try ReferenceFixture.load()
    }

    func modelFlags() throws -> [String] { try fx.inspectctlModelFlags() }

    /// support/<class>/{0,1,2}.png, query/<class>/{0,1}.png, query/bad/truncated.png (half a PNG)
    /// and query/notes.txt.
    func dataset() throws -> SyntheticDefectDataset {
        let data = try SyntheticDefectDataset(trainGood: 0, testGood: 0, perDefect: 0, seed: 5)
        try data.writeClassFolders(Self.classes, folders: ["support", "query"], counts: [3, 2], seed: 9)
        let query = data.category.appendingPathComponent("query")
        let whole = try Data(contentsOf: query.appendingPathComponent("spot/0.png"))
        try FileManager.default.createDirectory(at: query.appendingPathComponent("bad"), withIntermediateDirectories: true)
        try whole.prefix(whole.count / 2).write(to: query.appendingPathComponent("bad/truncated.png"))
        try Data("not an image\n".utf8).write(to: query.appendingPathComponent("notes.txt"))
        return data
    }

    @Test func writesOneCSVRowPerQueryFileWithErrorRows() throws {
        let data = try dataset()
        defer { data.remove() }
        let csvPath = data.root.appendingPathComponent("result.csv").path
        let support = data.category.appendingPathComponent("support").path
        let query = data.category.appendingPathComponent("query").path
        let result = try QueryFixture.run(["classify", support, query] + modelFlags() + ["--out", csvPath],
                                                 in: data.root)
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        let records = QueryFixture.parseCSV(try String(contentsOfFile: csvPath, encoding: .utf8))
        #expect(records.first == ["path", "predicted_class", "probability", "prediction_set", "method", "error"])
        let rows = Array(records.dropFirst())
        #expect(rows.count == Self.classes.count * 2 + 2, "\(records)")
        let byName = Dictionary(rows.map { (URL(fileURLWithPath: $0[0]).lastPathComponent, $0) }) { first, _ in first }
        for bad in ["truncated.png", "notes.txt"] {
            let row = try #require(byName[bad], "\(rows)")
            #expect(row[1].isEmpty && row[2].isEmpty && !row[5].isEmpty, "\(row)")
        }
        let good = rows.filter { $0[5].isEmpty }
        #expect(good.count == Self.classes.count * 2, "\(rows)")
        for row in good {
            #expect((Self.classes + [DefectClassifier.unknownClassName]).contains(row[1]), "\(row)")
            let probability = try #require(Double(row[2]))
            #expect(probability > 0 && probability <= 1)
            #expect(!row[3].isEmpty && row[3].split(separator: ";").allSatisfy { Self.classes.contains(String($0)) })
            #expect(ClassifierMethod(rawValue: row[4]) != nil)
        }
        #expect(result.stderr.contains("9 support images in 3 classes"), "\(result)")
    }

    @Test func jsonOutputAndForcedMethod() throws {
        let data = try dataset()
        defer { data.remove() }
        let support = data.category.appendingPathComponent("support").path
        let query = data.category.appendingPathComponent("query/square").path
        let result = try QueryFixture.run(
            ["classify", support, query] + modelFlags() + ["-o", "json", "--methods", "prototype"], in: data.root)
        #expect(result.status == 0, "\(result)")
        let objects = try QueryFixture.jsonLines(result.stdout)
        #expect(objects.count == 2, "\(result)")
        #expect(objects.allSatisfy { $0["method"] as? String == "prototype" && $0["error"] is NSNull }, "\(objects)")
        #expect(objects.allSatisfy { ($0["prediction_set"] as? [String])?.isEmpty == false }, "\(objects)")
    }

    @Test func usageErrorsExit64() throws {
        let data = try dataset()
        defer { data.remove() }
        let support = data.category.appendingPathComponent("support").path
        let missing = try QueryFixture.run(["classify", support, "/nonexistent-query"] + modelFlags(), in: data.root)
        #expect(missing.status == 64, "\(missing)")
        #expect(missing.stderr.contains("QUERY_DIR"), "\(missing)")
        let method = try QueryFixture.run(
            ["classify", support, support] + modelFlags() + ["--methods", "prototype,knn"], in: data.root)
        #expect(method.status == 64, "\(method)")
        #expect(method.stderr.contains("knn"), "\(method)")
    }
}
