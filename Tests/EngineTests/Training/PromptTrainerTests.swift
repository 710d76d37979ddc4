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

    /// `steps` Adam steps done by hand, cycling through `batches` as the trainer does.
    private func manualSteps(_ steps: Int, batches: [(batch: AnomalyCLIPLoss.Batch, loss: AnomalyCLIPLoss)])
        throws -> (prompts: LearnedPrompts, losses: [Float]) {
        var p = try prompts()
        let trainer = PromptTrainer()
        var adam = AdamOptimizer(learningRate: trainer.learningRate, beta1: trainer.betas.0, beta2: trainer.betas.1,
                                 epsilon: trainer.epsilon)
        let gradient = PromptTextGradient(tower: try parity.model.text)
        var losses = [Float]()
        for s in 0..<steps {
            let (batch, loss) = batches[s % batches.count]
            let (result, g) = try gradient.lossAndGradients(prompts: p, tokenizer: parity.tokenizer, loss: loss,
                                                            batch: batch)
            losses.append(result.total)
            var parameters = [p.normalContext, p.anomalousContext] + p.deepPrompts
            adam.update(&parameters, gradients: [g.normalContext, g.anomalousContext] + g.deepPromptsHalfRounded)
            p.normalContext = parameters[0]
            p.anomalousContext = parameters[1]
            p.deepPrompts = Array(parameters.dropFirst(2))
        }
        return (p, losses)
    }

    private func mixedBatches() throws -> [(batch: AnomalyCLIPLoss.Batch, loss: AnomalyCLIPLoss)] {
        let batch = try parity.batch()
        var noMask = AnomalyCLIPLoss()
        noMask.segmentationWeight = 0
        return [(batch, AnomalyCLIPLoss()), (batch, noMask)]
    }

    private func expectSame(_ a: LearnedPrompts, _ b: LearnedPrompts, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.normalContext == b.normalContext, sourceLocation: sourceLocation)
        #expect(a.anomalousContext == b.anomalousContext, sourceLocation: sourceLocation)
        #expect(a.deepPrompts == b.deepPrompts, sourceLocation: sourceLocation)
    }

    @Test func perBatchLossesEqualManualSteps() throws {
        let batches = try mixedBatches()
        let (trained, epochs) = try PromptTrainer().train(prompts: try prompts(), tower: parity.model.text,
                                                          tokenizer: parity.tokenizer, batches: batches, epochs: 2)
        let manual = try manualSteps(4, batches: batches)
        expectSame(trained, manual.prompts)
        #expect(epochs.map(\.index) == [1, 2])
        #expect(epochs.map(\.meanLoss) == [(manual.losses[0] + manual.losses[1]) / 2,
                                           (manual.losses[2] + manual.losses[3]) / 2])
        // The segmentation-free batch really used its own settings.
        #expect(manual.losses[1] < manual.losses[0])
    }

    @Test func sharedLossOverloadEqualsPerBatchOverload() throws {
        let batch = try parity.batch()
        let shared = try PromptTrainer().train(prompts: try prompts(), tower: parity.model.text,
                                               tokenizer: parity.tokenizer, loss: AnomalyCLIPLoss(),
                                               batches: [batch, batch], epochs: 1)
        let perBatch = try PromptTrainer().train(prompts: try prompts(), tower: parity.model.text,
                                                 tokenizer: parity.tokenizer,
                                                 batches: [(batch, AnomalyCLIPLoss()), (batch, AnomalyCLIPLoss())],
                                                 epochs: 1)
        expectSame(shared.prompts, perBatch.prompts)
        #expect(shared.epochs.map(\.meanLoss) == perBatch.epochs.map(\.meanLoss))
    }

    @Test func shouldContinueStopsBeforeTheNextBatch() throws {
        let batches = try mixedBatches()
        var asked = 0
        let (trained, epochs) = try PromptTrainer().train(
            prompts: try prompts(), tower: parity.model.text, tokenizer: parity.tokenizer, batches: batches,
            epochs: 5, shouldContinue: {
                asked += 1
                return asked <= 3
            })
        #expect(asked == 4)
        // Two batches per epoch: epoch 1 finished, epoch 2 stopped after its first step.
        #expect(epochs.map(\.index) == [1])
        expectSame(trained, try manualSteps(3, batches: batches).prompts)
    }

    @Test func shouldContinueFalseAtOnceReturnsTheInitialPrompts() throws {
        let (trained, epochs) = try PromptTrainer().train(
            prompts: try prompts(), tower: parity.model.text, tokenizer: parity.tokenizer,
            batches: try mixedBatches(), epochs: 3, shouldContinue: { false })
        #expect(epochs.isEmpty)
        expectSame(trained, try prompts())
    }
}
