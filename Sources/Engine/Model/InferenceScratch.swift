/// Buffers for one forward pass through a transformer tower, sized once per call for the
/// largest row count so no per-layer or per-token allocation happens (whisper.cpp's
/// context/state split: the model is shared, this is not).
final class InferenceScratch {
    /// LayerNorm output [rows, W].
    let normed: UnsafeMutablePointer<Float>
    /// Fused q/k/v [rows, 3W].
    let qkv: UnsafeMutablePointer<Float>
    /// Attention context [rows, W].
    let context: UnsafeMutablePointer<Float>
    /// MLP hidden [rows, M].
    let hidden: UnsafeMutablePointer<Float>
    /// Attention scores [maxSequence, maxSequence].
    let scores: UnsafeMutablePointer<Float>

    private let sizes: [Int]

    init(rows: Int, width: Int, mlpWidth: Int, maxSequence: Int) {
        sizes = [rows * width, rows * 3 * width, rows * width, rows * mlpWidth, maxSequence * maxSequence]
        normed = .allocate(capacity: max(sizes[0], 1))
        qkv = .allocate(capacity: max(sizes[1], 1))
        context = .allocate(capacity: max(sizes[2], 1))
        hidden = .allocate(capacity: max(sizes[3], 1))
        scores = .allocate(capacity: max(sizes[4], 1))
    }

    deinit {
        normed.deallocate()
        qkv.deallocate()
        context.deallocate()
        hidden.deallocate()
        scores.deallocate()
    }
}
