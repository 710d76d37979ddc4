import Engine
import Testing

/// Epochs of prompt learning on the fixture's training batch: the loss goes down, the first
/// step is the reference Adam step, and a progress callback can cancel.
@Suite struct PromptTrainerTests {
    let parity: TrainingStepParityTests

    init() throws { parity = try TrainingStepParityTests() }

    private func prompts() throws -> LearnedPrompts {
        try LearnedPrompts.load(path: parity.fx.path("prompts.safetensors"), width: parity.model.architecture.textWidth)
    }

    @Test func lossDecreasesOverEpochs() throws {
        let batch = try parity.batch()
        let (_, epochs) = try PromptTrainer().train(prompts: try prompts(), tower: parity.model.text,
                                                    tokenizer: parity.tokenizer, loss: AnomalyCLIPLoss(),
                                                    batches: [batch], epochs: 15)
        #expect(epochs.count == 15)
        let first = try #require(epochs.first?.meanLoss)
        let last = try #require(epochs.last?.meanLoss)
        print("prompt trainer: loss \(first) -> \(last) over 15 epochs")
        #expect(last < first * 0.9, "loss \(first) -> \(last)")
    }

    @Test func firstStepIsTheReferenceAdamStep() throws {
        let (trained, _) = try PromptTrainer().train(prompts: try prompts(), tower: parity.model.text,
                                                     tokenizer: parity.tokenizer, loss: AnomalyCLIPLoss(),
                                                     batches: [try parity.batch()], epochs: 1)
        try parity.fx.check("train.after_adam.ctx_pos", trained.normalContext)
        try parity.fx.check("train.after_adam.ctx_neg", trained.anomalousContext)
        for j in trained.deepPrompts.indices {
            try parity.fx.check("train.after_adam.compound_prompts_text.\(j)", trained.deepPrompts[j])
        }
    }

    @Test func progressCanCancel() throws {
        let (_, epochs) = try PromptTrainer().train(prompts: try prompts(), tower: parity.model.text,
                                                    tokenizer: parity.tokenizer, loss: AnomalyCLIPLoss(),
                                                    batches: [try parity.batch()], epochs: 10) { $0.index < 3 }
        #expect(epochs.count == 3)
    }

    @Test func noBatchesIsAnError() throws {
        #expect(throws: EngineError.self) {
            try PromptTrainer().train(prompts: try prompts(), tower: parity.model.text, tokenizer: parity.tokenizer,
                                      loss: AnomalyCLIPLoss(), batches: [], epochs: 1)
        }
    }
}
