import Engine

/// Multiply-adds ×2 of encoding text sequences of the given lengths through `tower`: every
/// linear layer, the causal attention products (the visible half only) and the final
/// projection of each sequence's EOT row.
enum TextFLOPs {
    static func count(lengths: [Int], architecture a: CLIPArchitecture) -> Double {
        let w = Double(a.textWidth)
        let m = Double(a.textMLPWidth)
        var flops = 0.0
        for length in lengths {
            let n = Double(length)
            let linear = 2 * n * (4 * w * w + 2 * w * m)
            let attention = 2 * n * (n + 1) * w
            flops += Double(a.textLayers) * (linear + attention) + 2 * w * Double(a.embedDim)
        }
        return flops
    }

    /// The same for a prefix tree: every node's linear layers once, its attention over its
    /// path from the root, and the projection of each sentence's pooled node.
    static func count(tree: TokenPrefixTree, architecture a: CLIPArchitecture) -> Double {
        let w = Double(a.textWidth)
        let m = Double(a.textMLPWidth)
        let n = Double(tree.count)
        let paths = Double(tree.positions.reduce(0) { $0 + $1 + 1 })
        let perLayer = 2 * n * (4 * w * w + 2 * w * m) + 4 * w * paths
        return Double(a.textLayers) * perLayer + 2 * w * Double(a.embedDim) * Double(tree.leaves.count)
    }
}
