import Engine
import Foundation
import Inspection
import Store
import Testing

/// Labels improve the detector: on a generated dataset with two pasted defect types and the
/// tiny fixture model, K labeled good and K labeled defect images raise image AUROC over
/// zero-shot and name the defect type above chance. Also `inspectctl eval` on the same folder.
@Suite(.serialized) struct FewShotEndToEndTests {
    let fx: ReferenceFixture
    let inspector: Inspector

    init() throws {
        fx = try ReferenceFixture.load()
        let config = try fx.inspectorConfiguration()
        inspector = try Inspector(configuration: config)
    }

    @Test func labelsImproveAUROCAndNameTheDefectType() throws {
        let data = try SyntheticDefectDataset()
        defer { data.remove() }
        let evaluator = DatasetEvaluator(inspector: inspector, settings: FewShotSettings(fusion: try FewShotFusion()))
        let zero = try #require(try evaluator.evaluate(root: data.root.path, shots: 0, runs: 1, seed: 1).first)
        let few = try #require(try evaluator.evaluate(root: data.root.path, shots: 4, runs: 3, seed: 1).first)
        let z = try #require(zero.metrics["image_auroc"]?.mean)
        let f = try #require(few.metrics["image_auroc"]?.mean)
        let accuracy = try #require(few.metrics["class_accuracy"])
        print(String(format: "few-shot e2e: image AUROC zero-shot %.3f -> 4-shot %.3f±%.3f; pixel AUROC %.3f -> %.3f; "
                     + "AUPRO %.3f -> %.3f; defect-type accuracy %.3f±%.3f (chance 0.5)",
                     z, f, few.metrics["image_auroc"]?.std ?? 0, zero.metrics["pixel_auroc"]?.mean ?? 0,
                     few.metrics["pixel_auroc"]?.mean ?? 0, zero.metrics["aupro"]?.mean ?? 0,
                     few.metrics["aupro"]?.mean ?? 0, accuracy.mean, accuracy.std))
        #expect(f > z + 0.05, "few-shot AUROC \(f) should beat zero-shot \(z)")
        #expect(accuracy.mean > 0.5, "defect type accuracy \(accuracy.mean) should beat chance")
    }

    @Test func inspectctlEvalPrintsTheMetricsTable() throws {
        let data = try SyntheticDefectDataset(trainGood: 4, testGood: 4, perDefect: 3)
        defer { data.remove() }
        let process = Process()
        process.executableURL = Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("inspectctl")
        process.arguments = ["eval", data.root.path, "--model", fx.path("model-openclip.safetensors"),
                             "--prompts", fx.path("prompts.safetensors"), "--input-size", "\(try fx.int("image_size"))",
                             "--feature-layers", (try fx.ints("features_list")).map(String.init).joined(separator: ","),
                             "--shots", "1", "--runs", "2", "--seed", "3"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        let lines = text.split(separator: "\n")
        #expect(lines.first?.contains("IMAGE_AUROC") == true && lines.first?.contains("AUPRO") == true, "\(text)")
        #expect(lines.contains { $0.hasPrefix("widget") && $0.contains("±") }, "\(text)")
    }
}
