import ArgumentParser
import Engine
import Foundation

/// `engine-bench ensemble_l14`: AnomalyCLIP's 420-sentence prompt ensemble through the
/// ViT-L/14@336 text tower (random weights), the start-up cost without learned prompts.
struct EnsembleL14Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ensemble_l14", abstract: "420 ensemble prompts through the ViT-L/14 text tower.")

    @OptionGroup var options: BenchOptions

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
        var times = [Double]()
        for run in 0...options.runs(default: 3) {
            let start = BenchSupport.now()
            let features = try PromptEnsemble.textFeatures(product: "object", tokenizer: tokenizer, encoder: encoder)
            let t = BenchSupport.now() - start
            guard features.joined().allSatisfy(\.isFinite) else { throw ValidationError("non-finite text features") }
            if run > 0 { times.append(t) }
        }
        let rows = lengths.reduce(0, +)
        let rate = SgemmProbe(m: rows, n: a.textMLPWidth, k: a.textWidth).measure(batches: 3)
        var row = BenchSupport.timingFields(times: times, flops: TextFLOPs.count(lengths: lengths, architecture: a),
                                            sgemm: rate)
        row["model"] = "ensemble_l14"
        row["prompts"] = sentences.count
        row["tokens"] = rows
        BenchSupport.emit(BenchSupport.jsonLine(row))
    }
}
