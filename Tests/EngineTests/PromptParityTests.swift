import Engine
import Testing

/// Learned AnomalyCLIP prompts and the hand-crafted ensemble against the reference text features.
@Suite struct PromptParityTests {
    let models: FixtureModels
    let tokenizer: CLIPTokenizer
    var fx: FixtureSet { models.fixtures }

    init() throws {
        models = try FixtureModels.load()
        tokenizer = try CLIPTokenizer()
    }

    private func prompts() throws -> LearnedPrompts {
        try LearnedPrompts.load(path: fx.path("prompts.safetensors"), width: models.openCLIP.architecture.textWidth)
    }

    @Test func promptFileMatchesPromptDesign() throws {
        let p = try prompts()
        #expect(p.contextLength == (try fx.promptDesign("Prompt_length")))
        #expect(p.deepPrompts.count == (try fx.promptDesign("learnabel_text_embedding_depth")) - 1)
        let rows = try fx.promptDesign("learnabel_text_embedding_length")
        for deep in p.deepPrompts { #expect(deep.count == rows * p.width) }
    }

    @Test func promptTokenIDs() throws {
        let ids = try prompts().tokenIDs(tokenizer: tokenizer, contextLength: models.openCLIP.architecture.contextLength)
        #expect(try fx.idRows("acl.prompt_tokens") == [ids.normal, ids.anomalous])
    }

    @Test func learnedPromptTextFeatures() throws {
        let raw = try prompts().textFeatures(tokenizer: tokenizer, encoder: models.openCLIP.textEncoder)
        try fx.check("acl.text_features_raw", raw.flatMap { $0 })
        try fx.check("acl.text_features", raw.flatMap { VectorMath.normalized($0) })
    }

    @Test func learnedPromptsAgreeAcrossNamings() throws {
        let a = try prompts().textFeatures(tokenizer: tokenizer, encoder: models.openCLIP.textEncoder)
        let b = try prompts().textFeatures(tokenizer: tokenizer, encoder: models.huggingFace.textEncoder)
        for (x, y) in zip(a, b) { #expect(maxAbsDiff(x, y) <= 1e-6) }
    }

    @Test func promptEnsembleTextFeatures() throws {
        let features = try PromptEnsemble.textFeatures(product: "object", tokenizer: tokenizer,
                                                       encoder: models.openCLIP.textEncoder)
        try fx.check("acl.prompt_ensemble_text_features", features.flatMap { $0 })
    }

    @Test func ensembleHasUpstreamSize() {
        #expect(PromptEnsemble.sentences(states: PromptEnsemble.normalStates, product: "x").count == 7 * 35)
        #expect(PromptEnsemble.sentences(states: PromptEnsemble.anomalousStates, product: "x").count == 5 * 35)
        #expect(PromptEnsemble.sentences(states: ["damaged {}"], product: "bottle").first == "a bad photo of a damaged bottle.")
    }

    @Test func promptFileWithWrongWidthIsRejected() throws {
        #expect(throws: EngineError.self) {
            try LearnedPrompts.load(path: fx.path("prompts.safetensors"), width: models.openCLIP.architecture.textWidth + 1)
        }
    }
}
