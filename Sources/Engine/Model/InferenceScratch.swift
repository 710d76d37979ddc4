/// Buffers for one forward pass through a transformer tower, sized once for the largest row
/// count so no per-layer or per-token allocation happens (whisper.cpp's context/state split:
/// the model is shared, this is not). Image encoders keep theirs across images.
final class InferenceScratch {
    /// LayerNorm output [rows, W].
    let normed: UnsafeMutablePointer<Float>
    /// Fused q/k/v [rows, 3W].
    let qkv: UnsafeMutablePointer<Float>
    /// Attention context [rows, W].
    let context: UnsafeMutablePointer<Float>
    /// MLP hidden [rows, M].
    let hidden: UnsafeMutablePointer<Float>
    /// One attention score tile per worker (`MultiHeadAttention.scratchCount`).
    let attentionTiles: UnsafeMutablePointer<Float>
    /// Workers the attention tiles were sized for.
    let workers: Int

    private let buffers: [UnsafeMutablePointer<Float>]

    init(rows: Int, width: Int, mlpWidth: Int, maxSequence: Int, workers: Int = Parallel.cores) {
        self.workers = max(1, workers)
        let sizes = [rows * width, rows * 3 * width, rows * width, rows * mlpWidth,
                     MultiHeadAttention.scratchCount(tokens: maxSequence, workers: self.workers)]
        buffers = sizes.map { UnsafeMutablePointer<Float>.allocate(capacity: max($0, 1)) }
        normed = buffers[0]
        qkv = buffers[1]
        context = buffers[2]
        hidden = buffers[3]
        attentionTiles = buffers[4]
    }

    deinit {
        for buffer in buffers { buffer.deallocate() }
    }
}
