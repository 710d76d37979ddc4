import ArgumentParser
import Engine
import Foundation

/// `engine-bench startup_l14`: from the fp16 ViT-L/14@336 checkpoint file (random, written
/// first by a child process so its memory does not count) to the learned prompts' text
/// features: load + convert, read the prompts, encode them.
struct StartupL14Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "startup_l14", abstract: "fp16 ViT-L/14@336 checkpoint -> text features ready (learned prompts).")

    @OptionGroup var options: BenchOptions

    @Option(help: .hidden)
    var writeCheckpoint: String?

    func run() throws {
        let a = CLIPArchitecture.vitL14at336
        if let writeCheckpoint {
            try RandomCheckpointFile.write(a, to: writeCheckpoint)
            return
        }
        _ = BenchSupport.applyThreads(options.threads)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("engine-bench-startup-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = folder.appendingPathComponent("model.safetensors").path
        let promptsPath = folder.appendingPathComponent("prompts.safetensors").path
        let child = Process()
        child.executableURL = RetrainLog.currentExecutable()
        child.arguments = ["startup_l14", "--write-checkpoint", checkpoint]
        try child.run()
        child.waitUntilExit()
        guard child.terminationStatus == 0 else { throw ValidationError("writing the checkpoint failed") }
        let prompts = try LearnedPrompts.random(contextLength: 12, deepPromptCount: 8, deepPromptLength: 4,
                                                width: a.textWidth, seed: 3)
        try Data(try prompts.serialized()).write(to: URL(fileURLWithPath: promptsPath))
        let fileBytes = (try FileManager.default.attributesOfItem(atPath: checkpoint)[.size] as? NSNumber)?.intValue ?? 0

        var times = [Double]()
        var loadTimes = [Double]()
        for _ in 0..<options.runs(default: 3) {
            let start = BenchSupport.now()
            let model = try CLIPModel.load(path: checkpoint)
            let loaded = BenchSupport.now()
            let learned = try LearnedPrompts.load(path: promptsPath, width: model.architecture.textWidth)
            let features = try learned.textFeatures(tokenizer: try CLIPTokenizer(), encoder: model.textEncoder)
            let t = BenchSupport.now() - start
            guard features.joined().allSatisfy(\.isFinite) else { throw ValidationError("non-finite text features") }
            times.append(t)
            loadTimes.append(loaded - start)
        }
        let rate = SgemmProbe(m: 77, n: a.textMLPWidth, k: a.textWidth).measure(batches: 3)
        var row = BenchSupport.timingFields(times: times, flops: TextFLOPs.count(lengths: [77, 77], architecture: a),
                                            sgemm: rate)
        row["model"] = "startup_l14"
        row["checkpoint_mb"] = BenchSupport.round3(Double(fileBytes) / 1e6)
        row["load_median_s"] = BenchSupport.round3(BenchSupport.median(loadTimes))
        BenchSupport.emit(BenchSupport.jsonLine(row))
    }
}
