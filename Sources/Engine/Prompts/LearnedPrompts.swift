import Foundation

/// AnomalyCLIP's learned object-agnostic prompts: context vectors that replace the `X` tokens
/// of `"X…X object."` / `"X…X damaged object."`, plus deep "compound" tokens that overwrite
/// positions 1…k at the input of text blocks 2…depth. Loaded from safetensors in AnomalyCLIP's
/// parameter names (`ctx_pos`, `ctx_neg`, `compound_prompts_text.N`).
public struct LearnedPrompts: Sendable {
    /// Normal-prompt context [n, W].
    public var normalContext: [Float]
    /// Anomalous-prompt context [n, W].
    public var anomalousContext: [Float]
    /// Deep prompts, entry j for text block j+2 (1-based), each [k, W].
    public var deepPrompts: [[Float]]
    /// Text width W.
    public let width: Int
    /// The object word AnomalyCLIP's prompts use.
    public var objectWord = "object"
    /// Reproduce upstream's `.half()` on the deep prompts (rounds them to fp16 in the forward).
    public var roundDeepPromptsToHalf = true

    /// Context tokens per prompt (n).
    public var contextLength: Int { normalContext.count / max(width, 1) }

    /// Wraps parameter values; shapes are checked.
    public init(normalContext: [Float], anomalousContext: [Float], deepPrompts: [[Float]], width: Int) throws {
        guard width > 0, !normalContext.isEmpty, normalContext.count % width == 0,
              anomalousContext.count == normalContext.count else {
            throw EngineError.invalidArgument(
                name: "ctx_pos/ctx_neg",
                reason: "need two equal [n, \(width)] contexts, got \(normalContext.count) and \(anomalousContext.count) values")
        }
        for (j, prompt) in deepPrompts.enumerated() where prompt.isEmpty || prompt.count % width != 0 {
            throw EngineError.invalidArgument(name: "compound_prompts_text.\(j)",
                                              reason: "\(prompt.count) values do not form [k, \(width)] rows")
        }
        self.normalContext = normalContext
        self.anomalousContext = anomalousContext
        self.deepPrompts = deepPrompts
        self.width = width
    }

    /// Reads AnomalyCLIP's parameter names; `width` is the text tower's. `ctx_*` may be
    /// [1, 1, n, W] (upstream) or [n, W]; unknown tensors are reported, the unused
    /// `compound_prompt_projections.*` are ignored.
    public static func load(path: String, width: Int) throws -> LearnedPrompts {
        try load(file: SafeTensorsFile(path: path), name: path, width: width)
    }

    /// `load(path:width:)` for prompts held in memory (e.g. the output of `serialized()` kept in
    /// a database); `name` stands for the path in errors.
    public static func load(bytes: [UInt8], name: String, width: Int) throws -> LearnedPrompts {
        try load(file: SafeTensorsFile(bytes: bytes, name: name), name: name, width: width)
    }

    /// The validation both loaders share, so a file and its bytes fail identically. A
    /// `__metadata__` `object_word` (written by `serialized()`) restores the object word.
    static func load(file: SafeTensorsFile, name path: String, width: Int) throws -> LearnedPrompts {
        func context(_ name: String) throws -> [Float] {
            let info = try file.info(name)
            let s = info.shape
            let leadingOnes = s.dropLast(2).allSatisfy { $0 == 1 }
            guard s.count >= 2, leadingOnes, s[s.count - 1] == width else {
                throw EngineError.shapeMismatch(path: path, tensor: name, expected: [1, 1, s.count >= 2 ? s[s.count - 2] : 0, width],
                                                actual: s)
            }
            return try file.floats(name)
        }
        let pos = try context("ctx_pos")
        let neg = try context("ctx_neg")
        guard pos.count == neg.count else {
            throw EngineError.shapeMismatch(path: path, tensor: "ctx_neg", expected: try file.info("ctx_pos").shape,
                                            actual: try file.info("ctx_neg").shape)
        }
        var deep = [[Float]]()
        var used: Set<String> = ["ctx_pos", "ctx_neg"]
        while let info = file.tensors["compound_prompts_text.\(deep.count)"] {
            guard info.shape.count == 2, info.shape[1] == width else {
                throw EngineError.shapeMismatch(path: path, tensor: info.name, expected: [info.shape.first ?? 0, width],
                                                actual: info.shape)
            }
            deep.append(try file.floats(info.name))
            used.insert(info.name)
        }
        let unexpected = file.names.filter { !used.contains($0) && !$0.hasPrefix("compound_prompt_projections.") }
        guard unexpected.isEmpty else { throw EngineError.unexpectedTensors(path: path, names: unexpected) }
        var prompts = try LearnedPrompts(normalContext: pos, anomalousContext: neg, deepPrompts: deep, width: width)
        if let word = file.metadata[Self.objectWordKey] { prompts.objectWord = word }
        return prompts
    }

    /// `__metadata__` keys of `serialized()`.
    static let formatKey = "format"
    static let formatName = "anomalyclip-prompts"
    static let objectWordKey = "object_word"

    /// The prompts as a safetensors image in AnomalyCLIP's names and shapes (`ctx_pos`/`ctx_neg`
    /// [1, 1, n, W], `compound_prompts_text.j` [k, W], all F32), so retrained prompts load with
    /// `load(bytes:)`/`load(path:)` bit for bit and convert back to upstream trivially.
    public func serialized() throws -> [UInt8] {
        var entries = [
            SafeTensorsWriter.Entry.float32("ctx_pos", shape: [1, 1, contextLength, width], normalContext),
            SafeTensorsWriter.Entry.float32("ctx_neg", shape: [1, 1, contextLength, width], anomalousContext),
        ]
        for (j, prompt) in deepPrompts.enumerated() {
            entries.append(.float32("compound_prompts_text.\(j)", shape: [prompt.count / width, width], prompt))
        }
        return try SafeTensorsWriter.encode(entries, metadata: [Self.formatKey: Self.formatName,
                                                                Self.objectWordKey: objectWord])
    }

    /// AnomalyCLIP's from-scratch initialisation (`nn.init.normal_(std=0.02)` on `ctx_pos`,
    /// `ctx_neg` and every compound prompt, drawn in that order), deterministic per `seed` so a
    /// retraining run can be reproduced.
    public static func random(contextLength: Int, deepPromptCount: Int, deepPromptLength: Int, width: Int,
                              seed: UInt64, standardDeviation: Float = 0.02) throws -> LearnedPrompts {
        let checks: [(String, Int, Int)] = [("contextLength", contextLength, 1), ("deepPromptCount", deepPromptCount, 0),
                                            ("deepPromptLength", deepPromptLength, 1), ("width", width, 1)]
        for (name, value, minimum) in checks where value < minimum {
            throw EngineError.invalidArgument(name: name, reason: "\(value) is below the minimum \(minimum)")
        }
        guard standardDeviation.isFinite, standardDeviation >= 0 else {
            throw EngineError.invalidArgument(name: "standardDeviation",
                                              reason: "\(standardDeviation) is not a finite non-negative value")
        }
        let (contextCount, overflow) = contextLength.multipliedReportingOverflow(by: width)
        let (deepCount, deepOverflow) = deepPromptLength.multipliedReportingOverflow(by: width)
        guard !overflow, !deepOverflow else {
            throw EngineError.invalidArgument(name: "width", reason: "\(width) × prompt length overflows")
        }
        var normal = GaussianSource(seed: seed, standardDeviation: standardDeviation)
        let pos = normal.draw(contextCount)
        let neg = normal.draw(contextCount)
        let deep = (0..<deepPromptCount).map { _ in normal.draw(deepCount) }
        return try LearnedPrompts(normalContext: pos, anomalousContext: neg, deepPrompts: deep, width: width)
    }

    /// SplitMix64 + Box–Muller: a fixed, platform-independent stream (unlike the system
    /// generator), private so benchmark generators can change without changing prompt inits.
    private struct GaussianSource {
        private var state: UInt64
        private let standardDeviation: Double

        init(seed: UInt64, standardDeviation: Float) {
            state = seed
            self.standardDeviation = Double(standardDeviation)
        }

        private mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        /// Uniform in (0, 1) from the top 53 bits.
        private mutating func uniform() -> Double {
            (Double(next() >> 11) + 0.5) * 0x1p-53
        }

        /// `count` N(0, σ²) values, both Box–Muller outputs used.
        mutating func draw(_ count: Int) -> [Float] {
            var values = [Float](repeating: 0, count: count)
            var i = 0
            while i < count {
                let r = (-2 * Foundation.log(uniform())).squareRoot() * standardDeviation
                let t = 2 * Double.pi * uniform()
                values[i] = Float(r * Foundation.cos(t))
                if i + 1 < count { values[i + 1] = Float(r * Foundation.sin(t)) }
                i += 2
            }
            return values
        }
    }

    /// The two prompt strings whose `X` tokens the contexts replace (normal, anomalous).
    public var promptStrings: (normal: String, anomalous: String) {
        let xs = Array(repeating: "X", count: contextLength).joined(separator: " ")
        return ("\(xs) \(objectWord).", "\(xs) damaged \(objectWord).")
    }

    /// Token ids of the two prompts.
    public func tokenIDs(tokenizer: CLIPTokenizer, contextLength: Int) -> (normal: [Int32], anomalous: [Int32]) {
        let strings = promptStrings
        return (tokenizer.tokenize(strings.normal, contextLength: contextLength),
                tokenizer.tokenize(strings.anomalous, contextLength: contextLength))
    }

    /// Encoder inputs for the two prompts: token embeddings with positions 1…n replaced by
    /// the contexts, and the deep prompts attached.
    public func sequences(tokenizer: CLIPTokenizer, encoder: TextEncoder) throws -> [TextSequence] {
        let ids = tokenIDs(tokenizer: tokenizer, contextLength: encoder.tower.contextLength)
        let deep = roundDeepPromptsToHalf ? deepPrompts.map { $0.map(Self.roundToHalf) } : deepPrompts
        return try [(ids.normal, normalContext), (ids.anomalous, anomalousContext)].map { ids, context in
            var seq = try encoder.sequence(tokens: ids)
            guard seq.length > contextLength + 1 else {
                throw EngineError.invalidArgument(name: "prompts", reason: "context of \(contextLength) tokens does not fit")
            }
            seq.embeddings.replaceSubrange(width..<(width + context.count), with: context)
            seq.deepPrompts = deep
            return seq
        }
    }

    /// Raw text features [2][E] (normal, anomalous), not normalised — `encode_text_learn`.
    public func textFeatures(tokenizer: CLIPTokenizer, encoder: TextEncoder) throws -> [[Float]] {
        try encoder.encode(sequences(tokenizer: tokenizer, encoder: encoder))
    }

    /// Rounds to the nearest IEEE half value (ties to even), as torch's `.half()` does.
    static func roundToHalf(_ x: Float) -> Float {
        Float(Float16(x))
    }
}
