@testable import Engine
import Testing

/// The prefix tree the text tower shares sentence beginnings with: its shape, its attention
/// against the naive twin path by path, and the whole tower against the per-sentence path.
@Suite struct TokenPrefixTreeTests {
    private static func random(_ count: Int, seed: UInt64, std: Float = 1) -> [Float] {
        var rng = RandomWeights(seed: seed)
        return (0..<count).map { _ in std * rng.normal() }
    }

    @Test func sharesCommonBeginningsOnly() {
        let sentences: [[Int32]] = [[1, 2, 3], [1, 2, 4], [1, 5], [1, 2, 3], [6], [1, 2]]
        let tree = TokenPrefixTree(sequences: sentences.map { $0[...] })
        // Nodes: 1, 1-2, 1-2-3, 1-2-4, 1-5, 6.
        #expect(tree.count == 6)
        #expect(tree.tokens == [1, 2, 3, 4, 5, 6])
        #expect(tree.positions == [0, 1, 2, 2, 1, 0])
        #expect(tree.leaves == [2, 3, 4, 2, 5, 1])
        for node in 0..<tree.count {
            let path = tree.pathNodes[tree.pathStarts[node]..<(tree.pathStarts[node] + tree.positions[node] + 1)]
            #expect(path.last == Int32(node))
            for (depth, ancestor) in path.enumerated() { #expect(tree.positions[Int(ancestor)] == depth) }
        }
        #expect(tree.newNodes(for: [1, 2, 3, 9, 9][...]) == 2)
        #expect(tree.newNodes(for: [1, 5][...]) == 0)
    }

    /// Each node's context equals the naive causal attention's last row on its path's rows.
    @Test(arguments: [(12, 3), (10, 2), (64, 1)])
    func attentionMatchesNaiveOnEveryPath(shape: (Int, Int)) {
        let (w, heads) = shape
        var rng = RandomWeights(seed: UInt64(w * 7 + heads))
        let sentences: [[Int32]] = (0..<40).map { _ in
            (0..<(1 + rng.index(below: 13))).map { _ in Int32(rng.index(below: 3)) }
        }
        let tree = TokenPrefixTree(sequences: sentences.map { $0[...] })
        let n = tree.count
        let qkv = Self.random(n * 3 * w, seed: UInt64(n + w), std: 1.5)
        let attention = MultiHeadAttention(inProjection: Linear(weight: Tensor(zeros: [3 * w, w]), bias: nil),
                                           outProjection: Linear(weight: Tensor(zeros: [w, w]), bias: nil),
                                           heads: heads)
        for workers in [1, 3] {
            let context = Tensor(zeros: [n, w])
            qkv.withUnsafeBufferPointer { p in
                attention.attend(tree: tree, qkv: p.baseAddress!, workers: workers, context: context.pointer)
            }
            for node in 0..<n {
                let length = tree.positions[node] + 1
                let path = tree.pathNodes[tree.pathStarts[node]..<(tree.pathStarts[node] + length)]
                let rows = path.flatMap { qkv[(Int($0) * 3 * w)..<((Int($0) + 1) * 3 * w)] }
                let naive = NaiveKernels.attention(qkv: rows, tokens: length, width: w, heads: heads,
                                                   path: .queryKey, causal: true)
                let expected = Array(naive[((length - 1) * w)...])
                let got = Array(context.values[(node * w)..<((node + 1) * w)])
                let scale = max(expected.map { abs($0) }.max() ?? 1, 1e-30)
                #expect(maxAbsDiff(got, expected) / scale < 2e-6, "w \(w) heads \(heads) node \(node) workers \(workers)")
            }
        }
    }

    /// The tower on shared prefixes computes what it computes sentence by sentence, whatever the
    /// batch limit, with duplicates, one-token sentences and tokens after EOT.
    @Test func textTowerAgreesWithPerSentencePath() throws {
        let a = CLIPArchitecture(
            visionWidth: 8, visionLayers: 1, visionHeads: 1, visionMLPWidth: 8, patchSize: 2, gridSize: 2,
            embedDim: 6, textWidth: 20, textLayers: 3, textHeads: 4, textMLPWidth: 36, contextLength: 9,
            vocabSize: 50, activation: .quickGELU, layerNormEps: 1e-5)
        var rng = RandomWeights(seed: 5)
        var shared = TextEncoder(tower: rng.textTower(a))
        var flat = shared
        flat.sharesPrefixes = false
        let eot: Int32 = 49
        var sentences: [[Int32]] = (0..<30).map { _ in
            [48] + (0..<rng.index(below: 6)).map { _ in Int32(rng.index(below: 4)) } + [eot]
        }
        sentences.append(sentences[3])
        sentences.append([eot])
        sentences.append([48, 1, eot, 0, 0, 0, 0, 0, 0])
        let expected = try flat.encode(tokens: sentences)
        #expect(try shared.prefixTree(tokens: sentences).count < sentences.map(\.count).reduce(0, +))
        for limit in [4096, 17, 1] {
            shared.maxRowsPerBatch = limit
            flat.maxRowsPerBatch = limit
            let got = try shared.encode(tokens: sentences)
            #expect(got.count == expected.count)
            for (g, e) in zip(got, expected) {
                let scale = max(e.map { abs($0) }.max() ?? 1, 1e-30)
                #expect(maxAbsDiff(g, e) / scale < 1e-5, "limit \(limit)")
            }
        }
        #expect(throws: EngineError.self) { try shared.encode(tokens: [[48, 50]]) }
    }
}
