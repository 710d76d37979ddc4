import Engine
import Foundation

extension KernelCase {
    /// Attention over the prompt ensemble's prefix tree (420 sentences, 1,871 nodes) with the
    /// ViT-L/14 text tower's 12 heads of 64, against the naive causal attention run on each
    /// node's own path. Nil when the tokenizer's vocabulary cannot be read.
    static func prefixTreeAttention(_ rng: inout RandomWeights) -> KernelCase? {
        guard let tokenizer = try? CLIPTokenizer() else { return nil }
        let a = CLIPArchitecture.vitL14at336
        let (w, heads) = (a.textWidth, a.textHeads)
        let sentences = [PromptEnsemble.normalStates, PromptEnsemble.anomalousStates]
            .flatMap { PromptEnsemble.sentences(states: $0, product: "object") }
        let ids = tokenizer.tokenize(sentences, contextLength: a.contextLength)
        // Pool at the arg-max id (EOT), as the text encoder does.
        let pooled = ids.map { row -> ArraySlice<Int32> in
            let eot = row.indices.max { row[$0] < row[$1] } ?? 0
            return row[0...eot]
        }
        let tree = TokenPrefixTree(sequences: pooled)
        let n = tree.count
        let qkv = rng.tensor([n, 3 * w], std: 1)
        let values = qkv.values
        let layer = MultiHeadAttention(inProjection: Linear(weight: Tensor(zeros: [3 * w, w]), bias: nil),
                                       outProjection: Linear(weight: Tensor(zeros: [w, w]), bias: nil), heads: heads)
        let context = Tensor(zeros: [n, w])
        let paths = Double(tree.positions.reduce(0) { $0 + $1 + 1 })
        return KernelCase(
            name: "attention_prefix_tree", shape: "\(n) nodes of \(sentences.count) sentences, \(heads)x\(w / heads)",
            twinName: "NaiveKernels.attention on each node's path", flops: 4 * paths * Double(w),
            fast: {
                layer.attend(tree: tree, qkv: qkv.pointer, workers: BLAS.threads, context: context.pointer)
                return context.values
            },
            twin: {
                var out = [Float](repeating: 0, count: n * w)
                for node in 0..<n {
                    let length = tree.positions[node] + 1
                    let start = tree.pathStarts[node]
                    let rows = tree.pathNodes[start..<(start + length)].flatMap {
                        values[(Int($0) * 3 * w)..<((Int($0) + 1) * 3 * w)]
                    }
                    let naive = NaiveKernels.attention(qkv: rows, tokens: length, width: w, heads: heads,
                                                       path: .queryKey, causal: true)
                    for c in 0..<w { out[node * w + c] = naive[(length - 1) * w + c] }
                }
                return out
            })
    }
}
