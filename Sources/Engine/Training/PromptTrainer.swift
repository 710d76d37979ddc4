/// AnomalyCLIP prompt learning on the CPU: epochs of Adam over the text side only. The image
/// side is frozen, so callers encode each training image once and pass the batches; every step
/// is a forward and backward pass through the text tower for the two prompts.
public struct PromptTrainer: Sendable {
    /// Adam step size (AnomalyCLIP's train.py: 0.001).
    public var learningRate: Float = 1e-3
    /// Adam betas (train.py: 0.5, 0.999).
    public var betas: (Float, Float) = (0.5, 0.999)
    /// Adam epsilon.
    public var epsilon: Float = 1e-8
    /// Reproduce upstream's fp16 rounding of the deep-prompt gradients (as torch's autograd does
    /// through `.half()`); off trains in pure float32.
    public var reproduceHalfGradient = true

    /// Defaults of AnomalyCLIP's train.py.
    public init() {}

    /// One epoch's outcome.
    public struct Epoch: Sendable {
        /// 1-based epoch number.
        public var index: Int
        /// Mean total loss over the epoch's batches (before each step).
        public var meanLoss: Float
    }

    /// Trains `prompts` for up to `epochs` passes over `batches`. `progress` sees every finished
    /// epoch and returns false to cancel (the prompts of the last finished epoch are returned).
    public func train(prompts initial: LearnedPrompts, tower: TextTower, tokenizer: CLIPTokenizer,
                      loss: AnomalyCLIPLoss, batches: [AnomalyCLIPLoss.Batch], epochs: Int,
                      progress: (Epoch) -> Bool = { _ in true }) throws -> (prompts: LearnedPrompts, epochs: [Epoch]) {
        try train(prompts: initial, tower: tower, tokenizer: tokenizer, batches: batches.map { ($0, loss) },
                  epochs: epochs, progress: progress)
    }

    /// Like `train(prompts:tower:tokenizer:loss:batches:epochs:progress:)`, but each batch carries
    /// its own loss settings (e.g. segmentation weight 0 for defect images without a mask), and
    /// `shouldContinue` is asked before every batch so a background retraining can stop within one
    /// step: on false the prompts after the last completed step are returned and the unfinished
    /// epoch is not reported.
    public func train(prompts initial: LearnedPrompts, tower: TextTower, tokenizer: CLIPTokenizer,
                      batches: [(batch: AnomalyCLIPLoss.Batch, loss: AnomalyCLIPLoss)], epochs: Int,
                      progress: (Epoch) -> Bool = { _ in true },
                      shouldContinue: () -> Bool = { true }) throws -> (prompts: LearnedPrompts, epochs: [Epoch]) {
        guard epochs >= 0, !batches.isEmpty || epochs == 0 else {
            throw EngineError.invalidArgument(name: "batches/epochs",
                                              reason: "need at least one batch for \(epochs) epoch(s)")
        }
        var prompts = initial
        var adam = AdamOptimizer(learningRate: learningRate, beta1: betas.0, beta2: betas.1, epsilon: epsilon)
        let gradient = PromptTextGradient(tower: tower)
        var history = [Epoch]()
        for e in 0..<epochs {
            var total: Float = 0
            for (batch, loss) in batches {
                guard shouldContinue() else { return (prompts, history) }
                let (result, g) = try gradient.lossAndGradients(prompts: prompts, tokenizer: tokenizer, loss: loss,
                                                                batch: batch)
                total += result.total
                var parameters = [prompts.normalContext, prompts.anomalousContext] + prompts.deepPrompts
                let grads = [g.normalContext, g.anomalousContext]
                    + (reproduceHalfGradient ? g.deepPromptsHalfRounded : g.deepPrompts)
                adam.update(&parameters, gradients: grads)
                prompts.normalContext = parameters[0]
                prompts.anomalousContext = parameters[1]
                prompts.deepPrompts = Array(parameters.dropFirst(2))
            }
            let epoch = Epoch(index: e + 1, meanLoss: total / Float(batches.count))
            history.append(epoch)
            if !progress(epoch) { break }
        }
        return (prompts, history)
    }
}
