import Foundation

/// Everything one image's forward pass writes besides its outputs: the token streams, the
/// im2col patches and the per-block scratch. Kept by the encoder and reused image after image,
/// so a forward does not page-fault ~100 MB of fresh memory.
final class ImageWorkspace {
    /// Per-block buffers.
    let scratch: InferenceScratch
    /// The residual stream [tokens, W].
    let stream: UnsafeMutablePointer<Float>
    /// DPAM's value-value stream [tokens, W].
    let valueStream: UnsafeMutablePointer<Float>
    /// im2col patches [patches, 3·P·P].
    let patches: UnsafeMutablePointer<Float>

    init(tokens: Int, width: Int, mlpWidth: Int, patchValues: Int) {
        scratch = InferenceScratch(rows: tokens, width: width, mlpWidth: mlpWidth, maxSequence: tokens)
        stream = .allocate(capacity: max(tokens * width, 1))
        valueStream = .allocate(capacity: max(tokens * width, 1))
        patches = .allocate(capacity: max(patchValues, 1))
    }

    deinit {
        stream.deallocate()
        valueStream.deallocate()
        patches.deallocate()
    }
}
