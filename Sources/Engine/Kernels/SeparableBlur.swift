/// A symmetric 1-D kernel applied down the columns and then along the rows of a 2-D float map
/// with half-sample symmetric reflection at the borders (`scipy.ndimage` mode `reflect`):
/// the fast path of the anomaly map's Gaussian smoothing. Each output row is made in one go:
/// its vertical pass lands in a small padded row buffer (border reflections filled in), and the
/// horizontal pass reads that buffer without index arithmetic, eight lanes at a time. No
/// full-size intermediate, rows split across the engine's workers. Accumulates in Float
/// (the naive twin, `GaussianFilter.applyNaive`, accumulates in Double like scipy).
public enum SeparableBlur {
    /// Index into 0..<n for position `i` under half-sample symmetric reflection
    /// (d c b a | a b c d | d c b a), repeating for kernels wider than the map.
    @inline(__always)
    public static func reflect(_ i: Int, _ n: Int) -> Int {
        guard n > 1 else { return 0 }
        let period = 2 * n
        var j = i % period
        if j < 0 { j += period }
        return j < n ? j : period - 1 - j
    }

    /// Smooths the `height`×`width` row-major `input` into `output` with `weights`
    /// (odd length 2r+1, centre at r). `input` and `output` must not overlap.
    public static func apply(weights: [Float], input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                             width: Int, height: Int) {
        let r = weights.count / 2
        guard width > 0, height > 0 else { return }
        let padded = width + 2 * r
        weights.withUnsafeBufferPointer { wb in
            guard let w = wb.baseAddress else { return }
            Workers.forEachChunk(height, minimumPerChunk: 16) { rows in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: padded + FastExp.lanes) { scratch in
                    guard let line = scratch.baseAddress else { return }
                    for y in rows {
                        verticalRow(y, weights: w, radius: r, input: input, width: width, height: height, into: line + r)
                        for x in 0..<r {
                            line[r - 1 - x] = line[r + reflect(-1 - x, width)]
                            line[r + width + x] = line[r + reflect(width + x, width)]
                        }
                        horizontalRow(weights: w, radius: r, line: line, width: width, into: output + y * width)
                    }
                }
            }
        }
    }

    /// Row `y` of the vertical pass: Σₖ w[k] · input[reflect(y + k − r)], one source row at a
    /// time (reflection computed once per row, not per pixel), eight columns per step.
    @inline(__always)
    private static func verticalRow(_ y: Int, weights w: UnsafePointer<Float>, radius r: Int,
                                    input: UnsafePointer<Float>, width: Int, height: Int,
                                    into out: UnsafeMutablePointer<Float>) {
        let lanes = FastExp.lanes
        let body = width - width % lanes
        for k in 0...(2 * r) {
            let source = input + reflect(y + k - r, height) * width
            let weight = w[k]
            let wv = SIMD8<Float>(repeating: weight)
            var x = 0
            if k == 0 {
                while x < body {
                    FastExp.store(wv * FastExp.load(source + x), out + x)
                    x += lanes
                }
                for column in body..<width { out[column] = weight * source[column] }
            } else {
                while x < body {
                    FastExp.store(FastExp.load(out + x) + wv * FastExp.load(source + x), out + x)
                    x += lanes
                }
                for column in body..<width { out[column] += weight * source[column] }
            }
        }
    }

    /// One output row of the horizontal pass from the padded row `line` (`width + 2r` values).
    @inline(__always)
    private static func horizontalRow(weights w: UnsafePointer<Float>, radius r: Int,
                                      line: UnsafeMutablePointer<Float>, width: Int,
                                      into out: UnsafeMutablePointer<Float>) {
        let lanes = FastExp.lanes
        let body = width - width % lanes
        var x = 0
        while x < body {
            var acc = SIMD8<Float>()
            for k in 0...(2 * r) {
                acc += SIMD8(repeating: w[k]) * FastExp.load(line + x + k)
            }
            FastExp.store(acc, out + x)
            x += lanes
        }
        for column in body..<width {
            var acc: Float = 0
            for k in 0...(2 * r) { acc += w[k] * line[column + k] }
            out[column] = acc
        }
    }
}
