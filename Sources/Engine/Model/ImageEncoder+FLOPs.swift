extension ImageEncoder {
    /// Multiply-adds ×2 of one forward: patch embedding, every linear layer, both attention
    /// products per head (doubled on dual-path blocks, plus their extra out_proj), and the
    /// ln_post·proj of each tap and of the embeddings. Element-wise work (LayerNorm, softmax,
    /// activation) is not counted.
    public var flopCount: Double {
        let n = Double(tokenCount)
        let w = Double(tower.width)
        let e = Double(tower.embedDim)
        let p = Double(tower.patchSize)
        var flops = 2 * Double(gridRows * gridColumns) * 3 * p * p * w
        for (index, block) in tower.blocks.enumerated() {
            let m = Double(block.fc.outFeatures)
            let linear = 2 * n * (3 * w * w + w * w + 2 * w * m)
            let attention = 2 * 2 * n * n * w
            if let dualPath, dualPath.isDual(block: index + 1) {
                flops += linear + 2 * attention + 2 * n * w * w
            } else {
                flops += linear + attention
            }
        }
        flops += Double(taps.count) * 2 * n * w * e + 2 * 2 * w * e
        return flops
    }
}
