/// Runs the text tower: from token ids (plain CLIP) or from prepared embeddings with deep
/// prompts (AnomalyCLIP's learned prompts). Many sequences are stacked into one matrix so the
/// linear layers run as large GEMMs; attention stays within each sequence.
public struct TextEncoder: Sendable {
    /// The text weights.
    public let tower: TextTower
    /// Rows per batch; bounds scratch memory when encoding hundreds of prompts.
    public var maxRowsPerBatch: Int = 4096

    /// Wraps a loaded tower.
    public init(tower: TextTower) {
        self.tower = tower
    }

    /// Token embeddings of `ids` up to the EOT position (the arg-max id, as CLIP pools).
    public func sequence(tokens ids: [Int32]) throws -> TextSequence {
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
        let w = tower.width
        let length = eot + 1
        var embeddings = [Float](repeating: 0, count: length * w)
        embeddings.withUnsafeMutableBufferPointer { buffer in
            guard let dst = buffer.baseAddress else { return }
            for i in 0..<length {
                (dst + i * w).update(from: tower.tokenEmbedding.pointer + Int(ids[i]) * w, count: w)
            }
        }
        return TextSequence(embeddings: embeddings, length: length)
    }

    /// Embeddings (not normalised), one [E] vector per token-id row.
    public func encode(tokens: [[Int32]]) throws -> [[Float]] {
        try encode(tokens.map { try sequence(tokens: $0) })
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
        let e = tower.embedDim
        return ranges.map { range in
            let last = x + (range.upperBound - 1) * w
            tower.lnFinal.apply(rows: 1, input: last, inputStride: w, output: scratch.normed)
            var out = [Float](repeating: 0, count: e)
            out.withUnsafeMutableBufferPointer { buffer in
                guard let dst = buffer.baseAddress else { return }
                BLAS.gemm(m: 1, n: e, k: w, a: scratch.normed, lda: w, b: tower.projection.pointer, ldb: e,
                          c: dst, ldc: e)
            }
            return out
        }
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
