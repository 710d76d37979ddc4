extension MultiHeadAttention {
    /// Causal attention over the nodes of a prefix tree: node i attends to the nodes on its
    /// path from the root, which are exactly the tokens before it (and itself) in every
    /// sentence that contains it, so the result is that of `attend(..., causal: true)` on any
    /// of those sentences. `qkv` holds one [3W] row per node. Paths are at most the context
    /// length (77), so each (node, head) is a short loop of dot products: a few percent of the
    /// block's work, spread over the workers by node ranges.
    public func attend(tree: TokenPrefixTree, qkv: UnsafePointer<Float>, workers: Int,
                       context: UnsafeMutablePointer<Float>) {
        let n = tree.count
        guard n > 0 else { return }
        let w = width
        let d = headDim
        let ld = 3 * w
        let heads = heads
        let scale = 1 / Float(d).squareRoot()
        let longest = (tree.positions.max() ?? 0) + 1
        nonisolated(unsafe) let qkv = qkv, context = context
        tree.pathNodes.withUnsafeBufferPointer { pathNodes in
            tree.pathStarts.withUnsafeBufferPointer { pathStarts in
                tree.positions.withUnsafeBufferPointer { positions in
                    nonisolated(unsafe) let pathNodes = pathNodes, pathStarts = pathStarts, positions = positions
                    let chunks = max(1, min(workers, Parallel.cores))
                    Parallel.forEachTask(chunks, workers: chunks) { _, chunk in
                        withUnsafeTemporaryAllocation(of: Float.self, capacity: longest) { buffer in
                            guard let scores = buffer.baseAddress, let paths = pathNodes.baseAddress else { return }
                            for node in (n * chunk / chunks)..<(n * (chunk + 1) / chunks) {
                                let path = paths + pathStarts[node]
                                let length = positions[node] + 1
                                for h in 0..<heads {
                                    let q = qkv + node * ld + h * d
                                    for j in 0..<length {
                                        let k = qkv + Int(path[j]) * ld + w + h * d
                                        scores[j] = scale * Self.dot(q, k, count: d)
                                    }
                                    let sum = Softmax.exponentiate(scores, count: length)
                                    let out = context + node * w + h * d
                                    out.update(repeating: 0, count: d)
                                    for j in 0..<length {
                                        Self.addScaled(qkv + Int(path[j]) * ld + 2 * w + h * d, by: scores[j],
                                                       to: out, count: d)
                                    }
                                    Softmax.scale(out, count: d, by: 1 / sum)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `a · b` over `count` floats, eight lanes at a time.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        let lanes = FastExp.lanes
        let body = count - count % lanes
        var acc = SIMD8<Float>()
        var i = 0
        while i < body {
            acc += FastExp.load(a + i) * FastExp.load(b + i)
            i += lanes
        }
        var sum = acc.sum()
        for j in body..<count { sum += a[j] * b[j] }
        return sum
    }

    /// `out += factor · x` over `count` floats.
    @inline(__always)
    static func addScaled(_ x: UnsafePointer<Float>, by factor: Float, to out: UnsafeMutablePointer<Float>,
                          count: Int) {
        let lanes = FastExp.lanes
        let body = count - count % lanes
        let f = SIMD8<Float>(repeating: factor)
        var i = 0
        while i < body {
            FastExp.store(FastExp.load(out + i) + f * FastExp.load(x + i), out + i)
            i += lanes
        }
        for j in body..<count { out[j] += factor * x[j] }
    }
}
