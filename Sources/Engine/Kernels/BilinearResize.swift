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

    /// Fast path for one contiguous plane (`inHeight`×`inWidth` → `outHeight`×`outWidth`): a
    /// horizontal pass over the few input rows, then each output row as the blend of two of
    /// them, eight columns at a time, rows split across the engine's workers. Same products and
    /// sums as `resize` (w0·(a, b) then the row blend), so the two agree to the last bit barring
    /// fused multiply-adds.
    public static func resizePlane(input: UnsafePointer<Float>, inHeight: Int, inWidth: Int,
                                   output: UnsafeMutablePointer<Float>, outHeight: Int, outWidth: Int) {
        guard inHeight > 0, inWidth > 0, outHeight > 0, outWidth > 0 else { return }
        let rowTaps = taps(inSize: inHeight, outSize: outHeight)
        let colTaps = taps(inSize: inWidth, outSize: outWidth)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: inHeight * outWidth) { scratch in
            guard let wide = scratch.baseAddress else { return }
            for iy in 0..<inHeight {
                let src = input + iy * inWidth
                let dst = wide + iy * outWidth
                for ox in 0..<outWidth {
                    let t = colTaps[ox]
                    dst[ox] = t.w0 * src[t.i0] + t.w1 * src[t.i1]
                }
            }
            let lanes = FastExp.lanes
            let body = outWidth - outWidth % lanes
            let rows = UnsafePointer(wide)
            rowTaps.withUnsafeBufferPointer { tapBuffer in
                Workers.forEachChunk(outHeight, minimumPerChunk: 64) { range in
                    for oy in range {
                        let t = tapBuffer[oy]
                        let top = rows + t.i0 * outWidth
                        let bottom = rows + t.i1 * outWidth
                        let out = output + oy * outWidth
                        let w0 = SIMD8<Float>(repeating: t.w0)
                        let w1 = SIMD8<Float>(repeating: t.w1)
                        var x = 0
                        while x < body {
                            FastExp.store(w0 * FastExp.load(top + x) + w1 * FastExp.load(bottom + x), out + x)
                            x += lanes
                        }
                        for column in body..<outWidth { out[column] = t.w0 * top[column] + t.w1 * bottom[column] }
                    }
                }
            }
        }
    }
}
