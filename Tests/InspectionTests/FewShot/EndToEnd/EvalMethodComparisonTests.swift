import Foundation
import Inspection
import Testing

/// `inspectctl eval` on a generated class-folder dataset (train/<class>, test/<class>, three
/// defect types): every classifier method side by side, as table, JSON and CSV.
@Suite(.serialized) struct EvalMethodComparisonTests {
    static let classes = ["good", "scratch", "spot", "square"]
    static let methods = ["zero_shot", "refined_zero_shot", "prototype", "cache", "linear_probe", "loo_selected"]
    let fx: ReferenceFixture

    init() throws {
        fx = try ReferenceFixture.load()
    }

    func modelFlags() throws -> [String] { try fx.inspectctlModelFlags() }

    @Test func reportsEveryMethodAsTableJSONAndCSV() throws {
        let data = try SyntheticDefectDataset(trainGood: 0, testGood: 0, perDefect: 0, seed: 6)
        defer { data.remove() }
        try data.writeClassFolders(Self.classes, folders: ["train", "test"], counts: [4, 4], seed: 13)
        let common = ["eval", data.category.path] + (try modelFlags()) + ["--shots", "2", "--runs", "3", "--seed", "1"]

        let table = try QueryFixture.run(common, in: data.root)
        #expect(table.status == 0, "\(table)")
        print("eval per-method table:\n\(table.stdout)")
        let header = try #require(table.lines.firstIndex { $0.contains("METHOD") && $0.contains("MACRO_F1") }, "\(table)")
        let rows = table.lines[(header + 1)...]
        #expect(rows.map { $0.split(separator: " ")[2] }.map(String.init) == Self.methods, "\(table)")
        #expect(rows.allSatisfy { $0.hasPrefix("widget") && $0.contains("±") }, "\(table)")

        let json = try QueryFixture.run(common + ["-o", "json"], in: data.root)
        #expect(json.status == 0, "\(json)")
        let report = try #require(try QueryFixture.jsonLines(json.stdout).first)
        let methods = try #require(report["methods"] as? [[String: Any]], "\(json)")
        #expect(methods.compactMap { $0["method"] as? String } == Self.methods)
        for method in methods {
            let accuracy = try #require(method["accuracy"] as? [String: Double], "\(method)")
            let f1 = try #require(method["macro_f1"] as? [String: Double], "\(method)")
            #expect((0...1).contains(accuracy["mean"] ?? -1) && (0...1).contains(f1["mean"] ?? -1), "\(method)")
        }
        let chosen = methods.last?["chosen"] as? [String: Int] ?? [:]
        #expect(chosen.values.reduce(0, +) == 3, "\(methods)")

        let csv = try QueryFixture.run(common + ["-o", "csv"], in: data.root)
        #expect(csv.status == 0, "\(csv)")
        let records = QueryFixture.parseCSV(csv.stdout)
        #expect(records.first == ["category", "shots", "runs", "metric", "method", "mean", "std"])
        for method in Self.methods {
            #expect(records.contains { $0[3] == "accuracy" && $0[4] == method }, "\(method)")
            #expect(records.contains { $0[3] == "macro_f1" && $0[4] == method }, "\(method)")
        }
        #expect(records.contains { $0[3] == "image_auroc" && $0[4].isEmpty }, "\(csv)")
    }
}
