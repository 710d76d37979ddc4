import ArgumentParser
import Engine
import Foundation

/// `engine-bench ensemble_l14`: AnomalyCLIP's 420-sentence prompt ensemble through the
/// ViT-L/14@336 text tower (random weights), the start-up cost without learned prompts.
struct EnsembleL14Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ensemble_l14", abstract: "420 ensemble prompts through the ViT-L/14 text tower.")

    @OptionGroup var options: BenchOptions

    @Flag(help: "Also time the per-sentence path (no shared prefixes), alternating run by run.")
    var compareFlat = false

    func run() throws {
        _ = BenchSupport.applyThreads(options.threads)
        let a = CLIPArchitecture.vitL14at336
        var rng = RandomWeights(seed: 77)
        let encoder = TextEncoder(tower: rng.textTower(a))
        let tokenizer = try CLIPTokenizer()
        let sentences = [PromptEnsemble.normalStates, PromptEnsemble.anomalousStates]
            .flatMap { PromptEnsemble.sentences(states: $0, product: "object") }
        let ids = tokenizer.tokenize(sentences, contextLength: a.contextLength)
        let lengths = try ids.map { try encoder.sequence(tokens: $0).length }
        let tree = try encoder.prefixTree(tokens: ids)
        var flatEncoder = encoder
        flatEncoder.sharesPrefixes = false
        var times = [Double]()
        var flatTimes = [Double]()
        for run in 0...options.runs(default: 3) {
            let t = try Self.time(encoder, tokenizer)
            if run > 0 { times.append(t) }
            if compareFlat, run > 0 { flatTimes.append(try Self.time(flatEncoder, tokenizer)) }
        }
        let rate = SgemmProbe(m: tree.count, n: a.textMLPWidth, k: a.textWidth).measure(batches: 3)
        var row = BenchSupport.timingFields(times: times, flops: TextFLOPs.count(tree: tree, architecture: a),
                                            sgemm: rate)
        row["model"] = "ensemble_l14"
        row["prompts"] = sentences.count
        row["tokens"] = lengths.reduce(0, +)
        row["rows_computed"] = tree.count
        if compareFlat {
            let flat = BenchSupport.median(flatTimes)
            row["flat_median_s"] = BenchSupport.round3(flat)
            row["speedup_over_flat"] = BenchSupport.round3(flat / max(BenchSupport.median(times), 1e-9))
        }
        BenchSupport.emit(BenchSupport.jsonLine(row))
    }

    /// Seconds for the whole ensemble (both classes) to text features.
    private static func time(_ encoder: TextEncoder, _ tokenizer: CLIPTokenizer) throws -> Double {
        let start = BenchSupport.now()
        let features = try PromptEnsemble.textFeatures(product: "object", tokenizer: tokenizer, encoder: encoder)
        let t = BenchSupport.now() - start
        guard features.joined().allSatisfy(\.isFinite) else { throw ValidationError("non-finite text features") }
        return t
    }
}
