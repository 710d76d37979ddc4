/// Bilinear resampling with PyTorch's `F.interpolate(mode="bilinear", align_corners=False)`
/// arithmetic (half-pixel centres, source index clamped at 0, no antialias), so positional
/// embeddings and similarity maps land where the reference puts them.
public enum BilinearResize {
    /// Memory layout of one plane-stack: element (c, y, x) sits at
    /// `c * channelStride + y * rowStride + x * columnStride`.
    public struct Layout: Sendable {
        /// Distance between channels.
        public var channelStride: Int
        /// Distance between rows.
        public var rowStride: Int
        /// Distance between columns.
        public var columnStride: Int

        /// Planar [C, H, W] layout.
        public static func planar(height: Int, width: Int) -> Layout {
            Layout(channelStride: height * width, rowStride: width, columnStride: 1)
        }

        /// Interleaved [H, W, C] layout (e.g. a token-major grid of embeddings).
        public static func interleaved(width: Int, channels: Int) -> Layout {
            Layout(channelStride: 1, rowStride: width * channels, columnStride: channels)
        }
    }

    /// One output coordinate's two source indices and weights.
    @usableFromInline
    struct Tap {
        @usableFromInline var i0: Int
        @usableFromInline var i1: Int
        @usableFromInline var w0: Float
        @usableFromInline var w1: Float
    }

    /// Source taps for resizing `inSize` samples to `outSize`, as PyTorch computes them.
    @usableFromInline
    static func taps(inSize: Int, outSize: Int) -> [Tap] {
        let scale = Float(inSize) / Float(outSize)
        return (0..<outSize).map { dst in
            let src = max(scale * (Float(dst) + 0.5) - 0.5, 0)
            let i0 = min(Int(src), inSize - 1)
            let i1 = i0 + (i0 < inSize - 1 ? 1 : 0)
            let lambda1 = src - Float(i0)
            return Tap(i0: i0, i1: i1, w0: 1 - lambda1, w1: lambda1)
        }
    }

    /// Resamples `channels` planes of `inHeight`×`inWidth` into `outHeight`×`outWidth`.
    public static func resize(channels: Int,
                              input: UnsafePointer<Float>, inHeight: Int, inWidth: Int, inLayout: Layout,
                              output: UnsafeMutablePointer<Float>, outHeight: Int, outWidth: Int,
                              outLayout: Layout) {
        let rowTaps = taps(inSize: inHeight, outSize: outHeight)
        let colTaps = taps(inSize: inWidth, outSize: outWidth)
        for c in 0..<channels {
            let src = input + c * inLayout.channelStride
            let dst = output + c * outLayout.channelStride
            for oy in 0..<outHeight {
                let ty = rowTaps[oy]
                let r0 = src + ty.i0 * inLayout.rowStride
                let r1 = src + ty.i1 * inLayout.rowStride
                let outRow = dst + oy * outLayout.rowStride
                for ox in 0..<outWidth {
                    let tx = colTaps[ox]
                    let a = tx.i0 * inLayout.columnStride
                    let b = tx.i1 * inLayout.columnStride
                    let top = tx.w0 * r0[a] + tx.w1 * r0[b]
                    let bottom = tx.w0 * r1[a] + tx.w1 * r1[b]
                    outRow[ox * outLayout.columnStride] = ty.w0 * top + ty.w1 * bottom
                }
            }
        }
    }
}
