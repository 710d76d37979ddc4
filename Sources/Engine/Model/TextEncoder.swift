/// Runs the text tower: from token ids (plain CLIP) or from prepared embeddings with deep
/// prompts (AnomalyCLIP's learned prompts). Many sequences are stacked into one matrix so the
/// linear layers run as large GEMMs; attention stays within each sequence.
public struct TextEncoder: Sendable {
    /// The text weights.
    public let tower: TextTower
    /// Rows per batch; bounds scratch memory when encoding hundreds of prompts.
    public var maxRowsPerBatch: Int = 4096
    /// Compute the shared beginning of token sentences once. Off only to compare with the
    /// per-sentence path (its twin test, `engine-bench ensemble_l14 --compare-flat`).
    public var sharesPrefixes = true

    /// Wraps a loaded tower.
    public init(tower: TextTower) {
        self.tower = tower
    }

    /// Token embeddings of `ids` up to the EOT position (the arg-max id, as CLIP pools).
    public func sequence(tokens ids: [Int32]) throws -> TextSequence {
        let pooled = try pooledTokens(ids)
        let w = tower.width
        var embeddings = [Float](repeating: 0, count: pooled.count * w)
        embeddings.withUnsafeMutableBufferPointer { buffer in
            guard let dst = buffer.baseAddress else { return }
            for (i, id) in pooled.enumerated() {
                (dst + i * w).update(from: tower.tokenEmbedding.pointer + Int(id) * w, count: w)
            }
        }
        return TextSequence(embeddings: embeddings, length: pooled.count)
    }

    /// `ids` up to and including the EOT position, each checked against the vocabulary.
    private func pooledTokens(_ ids: [Int32]) throws -> ArraySlice<Int32> {
        guard !ids.isEmpty, ids.count <= tower.contextLength else {
            throw EngineError.invalidArgument(
                name: "tokens", reason: "need 1...\(tower.contextLength) ids, got \(ids.count)")
        }
        let vocab = tower.vocabularySize
        var eot = 0
        for (i, id) in ids.enumerated() {
            guard id >= 0, Int(id) < vocab else {
                throw EngineError.invalidArgument(
                    name: "tokens[\(i)]", reason: "id \(id) is outside the vocabulary 0..<\(vocab)")
            }
            if id > ids[eot] { eot = i }
        }
        return ids[0...eot]
    }

    /// Embeddings (not normalised), one [E] vector per token-id row. Sentences that begin alike
    /// share the rows of their common beginning (`TokenPrefixTree`) unless `sharesPrefixes` is
    /// off; a tree holds at most `maxRowsPerBatch` nodes (or one sentence).
    public func encode(tokens: [[Int32]]) throws -> [[Float]] {
        guard sharesPrefixes else { return try encode(tokens.map { try sequence(tokens: $0) }) }
        let pooled = try tokens.map(pooledTokens)
        var results = [[Float]]()
        results.reserveCapacity(pooled.count)
        var tree = TokenPrefixTree()
        for sentence in pooled {
            if tree.count > 0, tree.count + tree.newNodes(for: sentence) > maxRowsPerBatch {
                results.append(contentsOf: encodeTree(tree))
                tree = TokenPrefixTree()
            }
            tree.insert(sentence)
        }
        if !tree.leaves.isEmpty { results.append(contentsOf: encodeTree(tree)) }
        return results
    }

    /// The prefix tree `encode(tokens:)` would run for `tokens` in one batch: its node count is
    /// the rows computed (for FLOP counts in benchmarks).
    public func prefixTree(tokens: [[Int32]]) throws -> TokenPrefixTree {
        TokenPrefixTree(sequences: try tokens.map(pooledTokens))
    }

    /// Embeddings (not normalised), one [E] vector per sequence: `ln_final(x[last]) @ proj`.
    public func encode(_ sequences: [TextSequence]) throws -> [[Float]] {
        let w = tower.width
        for (i, seq) in sequences.enumerated() {
            guard seq.length >= 1, seq.length <= tower.contextLength, seq.embeddings.count == seq.length * w else {
                throw EngineError.invalidArgument(
                    name: "sequences[\(i)]",
                    reason: "length \(seq.length) (max \(tower.contextLength)) with \(seq.embeddings.count) values, width \(w)")
            }
            for (j, prompt) in seq.deepPrompts.enumerated() {
                let rows = prompt.count / w
                guard prompt.count % w == 0, rows + 1 <= seq.length else {
                    throw EngineError.invalidArgument(
                        name: "sequences[\(i)].deepPrompts[\(j)]",
                        reason: "\(prompt.count) values do not form rows 1...k of width \(w) inside \(seq.length) tokens")
                }
            }
        }
        var results = [[Float]]()
        results.reserveCapacity(sequences.count)
        var start = 0
        while start < sequences.count {
            var end = start
            var rows = 0
            while end < sequences.count, rows == 0 || rows + sequences[end].length <= maxRowsPerBatch {
                rows += sequences[end].length
                end += 1
            }
            results.append(contentsOf: encodeBatch(sequences[start..<end], rows: rows))
            start = end
        }
        return results
    }

    private func encodeBatch(_ batch: ArraySlice<TextSequence>, rows: Int) -> [[Float]] {
        let w = tower.width
        let maxLength = batch.map(\.length).max() ?? 1
        let mlpWidth = tower.blocks.first?.fc.outFeatures ?? 4 * w
        let scratch = InferenceScratch(rows: rows, width: w, mlpWidth: mlpWidth, maxSequence: maxLength)
        let stream = Tensor(zeros: [rows, w])
        let x = stream.pointer
        var ranges = [Range<Int>]()
        ranges.reserveCapacity(batch.count)
        var offset = 0
        for seq in batch {
            seq.embeddings.withUnsafeBufferPointer { src in
                if let base = src.baseAddress { (x + offset * w).update(from: base, count: seq.length * w) }
            }
            let pos = tower.positionalEmbedding.pointer
            for i in 0..<(seq.length * w) { x[offset * w + i] += pos[i] }
            ranges.append(offset..<(offset + seq.length))
            offset += seq.length
        }
        for (index, block) in tower.blocks.enumerated() {
            if index >= 1 { injectDeepPrompts(batch, ranges: ranges, block: index, into: x) }
            block.forward(x, rows: rows, sequences: ranges, causal: true, scratch: scratch)
            ProgressTick.tick()
        }
        return ranges.map { pool(x + ($0.upperBound - 1) * w, scratch: scratch) }
    }

    /// Runs the tower on the nodes of `tree` and pools each sentence's last node.
    private func encodeTree(_ tree: TokenPrefixTree) -> [[Float]] {
        let w = tower.width
        let rows = tree.count
        let mlpWidth = tower.blocks.first?.fc.outFeatures ?? 4 * w
        let scratch = InferenceScratch(rows: rows, width: w, mlpWidth: mlpWidth, maxSequence: 1)
        let stream = Tensor(zeros: [rows, w])
        let x = stream.pointer
        let embedding = tower.tokenEmbedding.pointer
        let positional = tower.positionalEmbedding.pointer
        for node in 0..<rows {
            let row = x + node * w
            let token = embedding + Int(tree.tokens[node]) * w
            let position = positional + tree.positions[node] * w
            for i in 0..<w { row[i] = token[i] + position[i] }
        }
        for block in tower.blocks {
            block.forward(x, tree: tree, scratch: scratch)
            ProgressTick.tick()
        }
        return tree.leaves.map { pool(x + $0 * w, scratch: scratch) }
    }

    /// `ln_final(row) @ proj` for one pooled row.
    private func pool(_ row: UnsafeMutablePointer<Float>, scratch: InferenceScratch) -> [Float] {
        let w = tower.width
        let e = tower.embedDim
        tower.lnFinal.apply(rows: 1, input: row, inputStride: w, output: scratch.normed)
        var out = [Float](repeating: 0, count: e)
        out.withUnsafeMutableBufferPointer { buffer in
            guard let dst = buffer.baseAddress else { return }
            BLAS.gemm(m: 1, n: e, k: w, a: scratch.normed, lda: w, b: tower.projection.pointer, ldb: e,
                      c: dst, ldc: e)
        }
        return out
    }

    /// Overwrites rows 1...k of each sequence with its deep prompt for 0-based block `block`.
    private func injectDeepPrompts(_ batch: ArraySlice<TextSequence>, ranges: [Range<Int>], block: Int,
                                   into x: UnsafeMutablePointer<Float>) {
        let w = tower.width
        for (seq, range) in zip(batch, ranges) where block - 1 < seq.deepPrompts.count {
            let prompt = seq.deepPrompts[block - 1]
            prompt.withUnsafeBufferPointer { src in
                if let base = src.baseAddress { (x + (range.lowerBound + 1) * w).update(from: base, count: prompt.count) }
            }
        }
    }
}
