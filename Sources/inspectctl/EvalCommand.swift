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
            metrics); metrics are mean ± std over --runs. Where the dataset has defect classes, a second table compares \
            the defect-type classifier's methods on the same draws: zero_shot (class descriptions only), \
            prototype, cache, linear_probe (each fitted alone on the K shots per class) and loo_selected \
            (leave-one-out choosing among them, as the daemon does; CHOSEN counts its picks), as top-class \
            accuracy and macro-F1 on the test defects. -o csv prints one row per metric and method: \
            category,shots,runs,metric,method,mean,std.
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

    @Option(name: .shortAndLong, help: "table, json or csv.")
    var output: String = "table"

    func validate() throws {
        guard shots >= 0 else { throw ValidationError("--shots: must be 0 or more (got \(shots))") }
        guard runs >= 1 else { throw ValidationError("--runs: must be at least 1 (got \(runs))") }
        guard ["table", "json", "csv"].contains(output) else {
            throw ValidationError("-o: expected table, json or csv (got \(output))")
        }
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
        switch output {
        case "json":
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            for r in reports { print(String(decoding: try encoder.encode(r), as: UTF8.self)) }
        case "csv":
            print(EvalReportPrinter.csv(reports), terminator: "")
        default:
            print(EvalReportPrinter.table(reports), terminator: "")
        }
    }
}
