import Engine
import Foundation
import Testing

/// One AnomalyCLIP training step (train.py) against the reference: logits, patch
/// probabilities, every loss term, the prompt gradients and the Adam update.
@Suite struct TrainingStepParityTests {
    let models: FixtureModels
    let tokenizer: CLIPTokenizer
    var fx: FixtureSet { models.fixtures }
    var model: CLIPModel { models.openCLIP }

    init() throws {
        models = try FixtureModels.load()
        tokenizer = try CLIPTokenizer()
    }

    struct Step {
        var prompts: LearnedPrompts
        var loss: AnomalyCLIPLoss.Result
        var gradients: PromptTextGradient.PromptGradients
    }

    static let clipMean: [Float] = [0.48145466, 0.4578275, 0.40821073]
    static let clipStd: [Float] = [0.26862954, 0.26130258, 0.27577711]

    func batch() throws -> AnomalyCLIPLoss.Batch {
        let labels = try fx.reference.int32s("train.labels").map(Int.init)
        let b = labels.count
        let size = try fx.int("image_size")
        let u8 = try fx.reference.uint8s(try fx.squashedInput)
        let plane = size * size
        let featuresList = try fx.ints("features_list")
        let threshold = try fx.ints("feature_map_layer")[0]
        let dpam = DualPathSetting.anomalyCLIP(dpamLayer: try fx.int("dpam_layer"),
                                               layers: model.architecture.visionLayers)
        let encoder = try model.imageEncoder(inputSize: size, taps: featuresList, dualPath: dpam)
        var features = [[Float]]()
        var tokens = [[Tensor]]()
        var grid = (0, 0)
        for i in 0..<b {
            var pixels = [Float](repeating: 0, count: 3 * plane)
            for c in 0..<3 {
                for q in 0..<plane {
                    let v = Float(u8[(i * 3 + c) * plane + q]) / 255
                    pixels[c * plane + q] = (v - Self.clipMean[c]) / Self.clipStd[c]
                }
            }
            let enc = try encoder.encode(pixels)
            features.append(enc.classFeature)
            tokens.append(Array(enc.patchTokens[threshold...]))
            grid = (enc.gridRows, enc.gridColumns)
        }
        let gtShape = try fx.shape("train.gt")
        let gtBytes = try fx.reference.uint8s("train.gt")
        let pixels = gtShape[1] * gtShape[2]
        let gt = (0..<b).map { i in (0..<pixels).map { Float(gtBytes[i * pixels + $0]) } }
        return AnomalyCLIPLoss.Batch(imageFeatures: features, patchTokens: tokens, gridRows: grid.0,
                                     gridColumns: grid.1, groundTruth: gt, mapHeight: gtShape[1],
                                     mapWidth: gtShape[2], labels: labels)
    }

    func prompts() throws -> LearnedPrompts {
        try LearnedPrompts.load(path: fx.path("prompts.safetensors"), width: model.architecture.textWidth)
    }

    func step() throws -> Step {
        let p = try prompts()
        let (loss, grads) = try PromptTextGradient(tower: model.text)
            .lossAndGradients(prompts: p, tokenizer: tokenizer, loss: AnomalyCLIPLoss(), batch: try batch())
        return Step(prompts: p, loss: loss, gradients: grads)
    }

    /// With INSPECTD_TRAINING_REPORT set, prints max |diff| against the manifest bound per tensor.
    func report(_ name: String, _ actual: [Float]) throws {
        guard ProcessInfo.processInfo.environment["INSPECTD_TRAINING_REPORT"] != nil else { return }
        let expected = try fx.floats(name)
        let entry = (fx.manifest["tensors"] as? [[String: Any]])?.first { $0["name"] as? String == name }
        let tol = entry?["tolerance"] as? [String: Any]
        let atol = (tol?["atol"] as? NSNumber)?.doubleValue ?? 0
        let rtol = (tol?["rtol"] as? NSNumber)?.doubleValue ?? 0
        var worst = 0.0, maxRef = 0.0
        for i in expected.indices where i < actual.count {
            worst = max(worst, abs(Double(actual[i]) - Double(expected[i])))
            maxRef = max(maxRef, abs(Double(expected[i])))
        }
        print("TRAINING-REPORT \(name): max|diff| \(worst) bound \(atol + rtol * maxRef) (max|ref| \(maxRef))")
    }

    @Test func lossesAndGradientsMatchReference() throws {
        let s = try step()
        let checks: [(String, [Float])] = [
            ("train.image_logits", s.loss.imageLogits), ("train.patch_probs", s.loss.patchProbabilities),
            ("train.loss.image", [s.loss.imageLoss]), ("train.loss.focal", s.loss.focal),
            ("train.loss.dice_anomalous", s.loss.diceAnomalous), ("train.loss.dice_normal", s.loss.diceNormal),
            ("train.loss.seg", [s.loss.segmentation]), ("train.loss.total", [s.loss.total]),
            ("train.grad.ctx_pos", s.gradients.normalContext), ("train.grad.ctx_neg", s.gradients.anomalousContext),
        ] + s.gradients.deepPrompts.indices.flatMap { j in
            [("train.grad_nohalf.compound_prompts_text.\(j)", s.gradients.deepPrompts[j]),
             ("train.grad.compound_prompts_text.\(j)", s.gradients.deepPromptsHalfRounded[j])]
        }
        for (name, values) in checks { try report(name, values) }
        try fx.check("train.image_logits", s.loss.imageLogits)
        try fx.check("train.patch_probs", s.loss.patchProbabilities)
        try fx.check("train.loss.image", [s.loss.imageLoss])
        try fx.check("train.loss.focal", s.loss.focal)
        try fx.check("train.loss.dice_anomalous", s.loss.diceAnomalous)
        try fx.check("train.loss.dice_normal", s.loss.diceNormal)
        try fx.check("train.loss.seg", [s.loss.segmentation])
        try fx.check("train.loss.total", [s.loss.total])
        try fx.check("train.grad.ctx_pos", s.gradients.normalContext)
        try fx.check("train.grad.ctx_neg", s.gradients.anomalousContext)
        for j in s.gradients.deepPrompts.indices {
            try fx.check("train.grad_nohalf.compound_prompts_text.\(j)", s.gradients.deepPrompts[j])
            try fx.check("train.grad.compound_prompts_text.\(j)", s.gradients.deepPromptsHalfRounded[j])
        }
    }

    @Test func adamStepMatchesReference() throws {
        let s = try step()
        let betas = (fx.config["betas"] as? [NSNumber])?.map(\.floatValue) ?? [0.5, 0.999]
        let lr = (fx.config["lr"] as? NSNumber)?.floatValue ?? 1e-3
        var adam = AdamOptimizer(learningRate: lr, beta1: betas[0], beta2: betas[1], epsilon: 1e-8)
        var params = [s.prompts.normalContext, s.prompts.anomalousContext] + s.prompts.deepPrompts
        let grads = [s.gradients.normalContext, s.gradients.anomalousContext] + s.gradients.deepPromptsHalfRounded
        adam.update(&params, gradients: grads)
        try report("train.after_adam.ctx_pos", params[0])
        try report("train.after_adam.ctx_neg", params[1])
        for j in s.prompts.deepPrompts.indices { try report("train.after_adam.compound_prompts_text.\(j)", params[2 + j]) }
        try fx.check("train.after_adam.ctx_pos", params[0])
        try fx.check("train.after_adam.ctx_neg", params[1])
        for j in s.prompts.deepPrompts.indices {
            try fx.check("train.after_adam.compound_prompts_text.\(j)", params[2 + j])
        }
    }
}
