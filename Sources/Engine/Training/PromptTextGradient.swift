/// Forward of AnomalyCLIP's learned prompts through the text tower keeping every activation,
/// and the backward from d(raw text features) to d(ctx_pos), d(ctx_neg) and
/// d(compound_prompts_text.j). Same arithmetic as `TextEncoder` (sequences end at EOT,
/// positions added, deep prompt j overwrites rows 1...k at the input of block j+1, 0-based).
public struct PromptTextGradient: Sendable {
    /// The frozen text weights.
    public let tower: TextTower

    /// Wraps a loaded tower.
    public init(tower: TextTower) { self.tower = tower }

    /// Activations of one forward over a set of sequences.
    public final class Forward: @unchecked Sendable {
        /// Raw features [sequences][E] (`ln_final(x[EOT]) @ text_projection`), not normalised.
        public internal(set) var features: [[Float]] = []
        let sequences: [TextSequence]
        var caches: [[Backprop.BlockCache]] = []  // [sequence][block]
        var finalInput: [Tensor] = []             // [W] per sequence: x[EOT] before ln_final
        var finalMean: [Float] = []
        var finalRstd: [Float] = []
        init(sequences: [TextSequence]) { self.sequences = sequences }
    }

    /// Gradients of the sequence inputs.
    public struct InputGradients: Sendable {
        /// d(token embeddings) [sequence][length·W] (positions are added, so identical for them).
        public var embeddings: [[Float]]
        /// d(deep prompt j) as used by each sequence: [sequence][j][k·W].
        public var deepPrompts: [[[Float]]]
    }

    /// Runs the tower over `sequences` (each independently), keeping activations.
    public func forward(_ sequences: [TextSequence]) -> Forward {
        let fwd = Forward(sequences: sequences)
        let w = tower.width
        let e = tower.embedDim
        let heads = tower.blocks.first?.attention.heads ?? 1
        let mlp = tower.blocks.first?.fc.outFeatures ?? 4 * w
        let pos = tower.positionalEmbedding.pointer
        let normed = Tensor(zeros: [w])
        for seq in sequences {
            let n = seq.length
            let x = Tensor(zeros: [n, w])
            let xp = x.pointer
            seq.embeddings.withUnsafeBufferPointer { src in
                if let base = src.baseAddress { xp.update(from: base, count: n * w) }
            }
            for i in 0..<(n * w) { xp[i] += pos[i] }
            var caches = [Backprop.BlockCache]()
            for (index, block) in tower.blocks.enumerated() {
                if index >= 1, index - 1 < seq.deepPrompts.count {
                    let prompt = seq.deepPrompts[index - 1]
                    prompt.withUnsafeBufferPointer { src in
                        if let base = src.baseAddress { (xp + w).update(from: base, count: prompt.count) }
                    }
                }
                let cache = Backprop.BlockCache(tokens: n, width: w, mlpWidth: mlp, heads: heads)
                Backprop.residualBlockForward(block, x: xp, causal: true, cache: cache)
                caches.append(cache)
            }
            fwd.caches.append(caches)
            let last = Tensor(zeros: [w])
            last.pointer.update(from: xp + (n - 1) * w, count: w)
            var mean: Float = 0, rstd: Float = 0
            Backprop.layerNormForward(last.pointer, rows: 1, width: w, gamma: tower.lnFinal.weight.pointer,
                                      beta: tower.lnFinal.bias.pointer, eps: tower.lnFinal.eps, y: normed.pointer,
                                      mean: &mean, rstd: &rstd)
            var out = [Float](repeating: 0, count: e)
            out.withUnsafeMutableBufferPointer { buffer in
                guard let dst = buffer.baseAddress else { return }
                BLAS.gemm(m: 1, n: e, k: w, a: normed.pointer, lda: w, b: tower.projection.pointer, ldb: e,
                          c: dst, ldc: e)
            }
            fwd.finalInput.append(last)
            fwd.finalMean.append(mean)
            fwd.finalRstd.append(rstd)
            fwd.features.append(out)
            withExtendedLifetime(x) {}
        }
        return fwd
    }

    /// Backward from d(raw features) [sequence][E] to the sequence inputs. Rows overwritten by a
    /// deep prompt send their gradient to that prompt and nothing to the previous block.
    public func backward(_ fwd: Forward, dFeatures: [[Float]]) -> InputGradients {
        let w = tower.width
        let e = tower.embedDim
        var result = InputGradients(embeddings: [], deepPrompts: [])
        let dNormed = Tensor(zeros: [w])
        for (s, seq) in fwd.sequences.enumerated() {
            let n = seq.length
            let dx = Tensor(zeros: [n, w])
            let dxp = dx.pointer
            dNormed.pointer.update(repeating: 0, count: w)
            dFeatures[s].withUnsafeBufferPointer { df in
                Backprop.projectionBackward(dFeature: df.baseAddress!, projection: tower.projection.pointer,
                                            width: w, embedDim: e, dRow: dNormed.pointer)
            }
            var mean = fwd.finalMean[s], rstd = fwd.finalRstd[s]
            Backprop.layerNormBackward(dy: dNormed.pointer, x: fwd.finalInput[s].pointer, mean: &mean, rstd: &rstd,
                                       gamma: tower.lnFinal.weight.pointer, rows: 1, width: w,
                                       dx: dxp + (n - 1) * w)
            var dDeep = seq.deepPrompts.map { [Float](repeating: 0, count: $0.count) }
            for index in stride(from: tower.blocks.count - 1, through: 0, by: -1) {
                Backprop.residualBlockBackward(tower.blocks[index], cache: fwd.caches[s][index], dx: dxp)
                if index >= 1, index - 1 < seq.deepPrompts.count {
                    let count = dDeep[index - 1].count
                    for i in 0..<count {
                        dDeep[index - 1][i] = dxp[w + i]
                        dxp[w + i] = 0
                    }
                }
            }
            result.embeddings.append(Array(UnsafeBufferPointer(start: dxp, count: n * w)))
            result.deepPrompts.append(dDeep)
            withExtendedLifetime(dx) {}
        }
        return result
    }

    /// Gradients of AnomalyCLIP's prompt-learner parameters.
    public struct PromptGradients: Sendable {
        /// d ctx_pos [n·W] (normal prompt context).
        public var normalContext: [Float]
        /// d ctx_neg [n·W] (anomalous prompt context).
        public var anomalousContext: [Float]
        /// d compound_prompts_text.j [k·W], pure float32.
        public var deepPrompts: [[Float]]
        /// Same, with upstream's `.half()` rounding of each prompt's gradient to fp16 before
        /// the sum over the two prompts (what torch's autograd produces).
        public var deepPromptsHalfRounded: [[Float]]
    }

    /// Maps sequence-input gradients of the (normal, anomalous) prompt pair to parameter
    /// gradients: contexts are rows 1...n of the embeddings; deep prompts sum over both prompts.
    public static func promptGradients(_ g: InputGradients, contextRows n: Int, width w: Int) -> PromptGradients {
        let pos = Array(g.embeddings[0][w..<(w + n * w)])
        let neg = Array(g.embeddings[1][w..<(w + n * w)])
        let depth = g.deepPrompts.first?.count ?? 0
        var plain = [[Float]]()
        var half = [[Float]]()
        for j in 0..<depth {
            let count = g.deepPrompts[0][j].count
            var a = [Float](repeating: 0, count: count)
            var b = [Float](repeating: 0, count: count)
            for seq in g.deepPrompts {
                for i in 0..<count {
                    a[i] += seq[j][i]
                    b[i] += Float(Float16(seq[j][i]))
                }
            }
            plain.append(a)
            half.append(b)
        }
        return PromptGradients(normalContext: pos, anomalousContext: neg, deepPrompts: plain,
                               deepPromptsHalfRounded: half)
    }

    /// One train.py step without the optimiser: the learned prompts' text features, the
    /// AnomalyCLIP loss on `batch`, and d(total loss) with respect to every prompt parameter.
    public func lossAndGradients(prompts: LearnedPrompts, tokenizer: CLIPTokenizer, loss: AnomalyCLIPLoss,
                                 batch: AnomalyCLIPLoss.Batch) throws -> (AnomalyCLIPLoss.Result, PromptGradients) {
        let sequences = try prompts.sequences(tokenizer: tokenizer, encoder: TextEncoder(tower: tower))
        let fwd = forward(sequences)
        let result = loss.evaluate(text: fwd.features, batch: batch)
        let inputs = backward(fwd, dFeatures: result.textFeatureGradient)
        return (result, Self.promptGradients(inputs, contextRows: prompts.contextLength, width: prompts.width))
    }
}
