import Engine
import Foundation
import Testing

/// End-to-end finite differences on the fixture's tiny model: the learned-prompt text path
/// (d Σ r·features) and the full AnomalyCLIP loss (d total) with respect to a few entries of
/// ctx_pos, ctx_neg and compound_prompts_text.j.
@Suite struct PromptGradientFiniteDifferenceTests {
    let models: FixtureModels
    let tokenizer: CLIPTokenizer
    var fx: FixtureSet { models.fixtures }
    var model: CLIPModel { models.openCLIP }

    init() throws {
        models = try FixtureModels.load()
        tokenizer = try CLIPTokenizer()
    }

    enum Parameter: CustomStringConvertible {
        case normalContext(Int), anomalousContext(Int), deep(Int, Int)
        var description: String {
            switch self {
            case .normalContext(let i): "ctx_pos[\(i)]"
            case .anomalousContext(let i): "ctx_neg[\(i)]"
            case .deep(let j, let i): "compound_prompts_text.\(j)[\(i)]"
            }
        }
    }

    /// Sequences with `p` moved by `delta` (contexts are rows 1...n; deep prompts are shared).
    func perturbed(_ base: [TextSequence], _ p: Parameter, _ delta: Float, width w: Int) -> [TextSequence] {
        var s = base
        switch p {
        case .normalContext(let i): s[0].embeddings[w + i] += delta
        case .anomalousContext(let i): s[1].embeddings[w + i] += delta
        case .deep(let j, let i):
            for k in s.indices { s[k].deepPrompts[j][i] += delta }
        }
        return s
    }

    func analytic(_ g: PromptTextGradient.PromptGradients, _ p: Parameter) -> Float {
        switch p {
        case .normalContext(let i): g.normalContext[i]
        case .anomalousContext(let i): g.anomalousContext[i]
        case .deep(let j, let i): g.deepPrompts[j][i]
        }
    }

    func setUp() throws -> (LearnedPrompts, [TextSequence], [Parameter]) {
        var prompts = try LearnedPrompts.load(path: fx.path("prompts.safetensors"), width: model.architecture.textWidth)
        prompts.roundDeepPromptsToHalf = false  // perturbations must not be rounded away
        let seqs = try prompts.sequences(tokenizer: tokenizer, encoder: model.textEncoder)
        let size = prompts.normalContext.count
        var params: [Parameter] = [.normalContext(0), .normalContext(size / 2 + 3), .normalContext(size - 1),
                                   .anomalousContext(1), .anomalousContext(size / 3), .anomalousContext(size - 2)]
        for j in prompts.deepPrompts.indices {
            let n = prompts.deepPrompts[j].count
            params += [.deep(j, 0), .deep(j, n / 2 + 1), .deep(j, n - 1)]
        }
        return (prompts, seqs, params)
    }

    /// Central difference with one Richardson step, (4 D(h/2) − D(h)) / 3, error O(h⁴): the
    /// random tiny model is strongly curved, so a plain O(h²) difference needs an h that Float
    /// rounding cannot resolve.
    func richardson(_ d: (Float) -> Double) -> Double {
        let h: Float = 4e-3
        return (4 * d(h / 2) - d(h)) / 3
    }

    @Test func textPathMatchesFiniteDifferences() throws {
        let (prompts, seqs, params) = try setUp()
        let text = PromptTextGradient(tower: try model.text)
        let e = try model.text.embedDim
        var rng = RandomWeights(seed: 99)
        let r = (0..<2).map { _ in (0..<e).map { _ in rng.normal() } }
        func objective(_ s: [TextSequence]) -> Double {
            let f = text.forward(s).features
            var sum = 0.0
            for c in 0..<2 { for k in 0..<e { sum += Double(f[c][k]) * Double(r[c][k]) } }
            return sum
        }
        // forward equals the Engine's TextEncoder
        let fwd = text.forward(seqs)
        let engine = try model.textEncoder.encode(seqs)
        for c in 0..<2 { #expect(maxAbsDiff(fwd.features[c], engine[c]) <= 1e-5) }
        let g = PromptTextGradient.promptGradients(text.backward(fwd, dFeatures: r), contextRows: prompts.contextLength,
                                                   width: prompts.width)
        for p in params {
            let numeric = richardson { eps in
                (objective(perturbed(seqs, p, eps, width: prompts.width))
                 - objective(perturbed(seqs, p, -eps, width: prompts.width))) / Double(2 * eps)
            }
            let a = Double(analytic(g, p))
            #expect(abs(a - numeric) <= 1e-3 + 1e-2 * abs(numeric), "\(p): analytic \(a), numeric \(numeric)")
        }
    }

    @Test func totalLossMatchesFiniteDifferences() throws {
        let (prompts, seqs, params) = try setUp()
        let batch = try TrainingStepParityTests().batch()
        let text = PromptTextGradient(tower: try model.text)
        let loss = AnomalyCLIPLoss()
        func objective(_ s: [TextSequence]) -> Double {
            Double(loss.evaluate(text: text.forward(s).features, batch: batch).total)
        }
        let fwd = text.forward(seqs)
        let result = loss.evaluate(text: fwd.features, batch: batch)
        let g = PromptTextGradient.promptGradients(text.backward(fwd, dFeatures: result.textFeatureGradient),
                                                   contextRows: prompts.contextLength, width: prompts.width)
        for p in params {
            let numeric = richardson { eps in
                (objective(perturbed(seqs, p, eps, width: prompts.width))
                 - objective(perturbed(seqs, p, -eps, width: prompts.width))) / Double(2 * eps)
            }
            let a = Double(analytic(g, p))
            #expect(abs(a - numeric) <= 1e-2 + 2e-2 * abs(numeric), "\(p): analytic \(a), numeric \(numeric)")
        }
    }
}
