import ArgumentParser
import Foundation
import Inspection
import Store

/// `inspectctl eval DATASET`: the metrics papers report, for integrators choosing settings.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate on an MVTec-AD or class-folder dataset: image AUROC/AP/F1-max, pixel AUROC, AUPRO, accuracy.",
        discussion: """
            Layouts: MVTec AD (<cat>/train/good, <cat>/test/<defect>, <cat>/ground_truth/<defect>/<name>_mask.png; \
            DATASET may be one category or a folder of them) or class folders (train/<class>, test/<class>; \
            'good' is the normal class). With --shots K, each run samples K good training images for the memory \
            bank and K images per defect class for the classifier (MVTec: taken from test and left out of the \
            metrics); metrics are mean ± std over --runs.
            """)

    @Argument(help: "Dataset folder.")
    var dataset: String

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Labeled shots per class (0 = zero-shot).")
    var shots: Int = 0

    @Option(help: "Runs (re-sampled shots).")
    var runs: Int = 1

    @Option(help: "Random seed for sampling shots.")
    var seed: UInt64 = 0

    @Option(name: .shortAndLong, help: "table or json.")
    var output: String = "table"

    func validate() throws {
        guard shots >= 0 else { throw ValidationError("--shots: must be 0 or more (got \(shots))") }
        guard runs >= 1 else { throw ValidationError("--runs: must be at least 1 (got \(runs))") }
        guard ["table", "json"].contains(output) else { throw ValidationError("-o: expected table or json (got \(output))") }
    }

    func run() throws {
        let inspector = try ModelOptions.inspector(try modelOptions.configuration())
        let evaluator = DatasetEvaluator(inspector: inspector, settings: FewShotSettings(fusion: try FewShotFusion()))
        let reports: [EvaluationReport]
        do {
            reports = try evaluator.evaluate(root: dataset, shots: shots, runs: runs, seed: seed) { line in
                FileHandle.standardError.write(Data("\(line)\n".utf8))
            }
        } catch {
            FileHandle.standardError.write(Data("inspectctl: \(error)\n".utf8))
            throw ExitCode(1)
        }
        if output == "json" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            for r in reports { print(String(decoding: try encoder.encode(r), as: UTF8.self)) }
            return
        }
        let names = EvaluationReport.metricNames
        print(RecordFormatter.pad("CATEGORY", 16) + RecordFormatter.pad("SHOTS", 6)
              + names.map { RecordFormatter.pad($0.uppercased(), 18) }.joined())
        for r in reports {
            let cells = names.map { name -> String in
                guard let m = r.metrics[name] else { return RecordFormatter.pad("-", 18) }
                return RecordFormatter.pad(String(format: "%.4f±%.4f", m.mean, m.std), 18)
            }
            print(RecordFormatter.pad(r.category, 16) + RecordFormatter.pad("\(r.shots)", 6) + cells.joined())
        }
    }
}
