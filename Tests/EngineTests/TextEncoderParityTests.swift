import Engine
import Testing

/// Text tower from token ids against open_clip's `encode_text`.
@Suite struct TextEncoderParityTests {
    let models: FixtureModels
    var fx: FixtureSet { models.fixtures }

    init() throws { models = try FixtureModels.load() }

    @Test func plainTextEmbeddings() throws {
        let ids = try fx.idRows("clip.text_tokens")
        let out = try models.openCLIP.textEncoder.encode(tokens: ids)
        try fx.check("clip.text_embeds", out.flatMap { $0 })
    }

    /// The per-sentence path (the prefix tree's twin) against the same reference.
    @Test func plainTextEmbeddingsSentenceBySentence() throws {
        let ids = try fx.idRows("clip.text_tokens")
        var encoder = try models.openCLIP.textEncoder
        encoder.sharesPrefixes = false
        try fx.check("clip.text_embeds", try encoder.encode(tokens: ids).flatMap { $0 })
    }

    @Test func batchingDoesNotChangeResults() throws {
        let ids = try fx.idRows("clip.text_tokens")
        var encoder = try models.openCLIP.textEncoder
        let together = try encoder.encode(tokens: ids)
        encoder.maxRowsPerBatch = 1
        let alone = try encoder.encode(tokens: ids)
        // GEMM blocking changes with the row count, so only float noise may differ; a leak of
        // attention across sequences would move values by orders of magnitude more.
        for (a, b) in zip(together, alone) { #expect(maxAbsDiff(a, b) <= 1e-5) }
    }

    @Test func rejectsOutOfVocabularyIDs() throws {
        let encoder = try models.openCLIP.textEncoder
        #expect(throws: EngineError.self) { try encoder.encode(tokens: [[49406, Int32(encoder.tower.vocabularySize)]]) }
        #expect(throws: EngineError.self) { try encoder.encode(tokens: [[]]) }
    }
}
