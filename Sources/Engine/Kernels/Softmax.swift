/// Numerically stable row softmax, the only normalisation attention and scoring need.
/// Vectorised with `FastExp`; `NaiveKernels.softmaxRow` is its `expf` twin.
public enum Softmax {
    /// Softmax over the first `valid` entries of each of `rows` rows (row stride `stride`);
    /// entries from `valid` on are set to zero. `valid` per row comes from `validCount(row)`,
    /// which lets the causal mask skip the masked tail instead of writing -inf.
    @inline(__always)
    public static func rows(_ data: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int,
                            validCount: (Int) -> Int) {
        Parallel.forEachChunk(rows, minimumPerChunk: max(1, 16_384 / max(columns, 1))) { range in
            for r in range {
                let row = data + r * stride
                let valid = min(columns, validCount(r))
                softmaxRow(row, count: valid)
                if valid < columns {
                    (row + valid).update(repeating: 0, count: columns - valid)
                }
            }
        }
    }

    /// Softmax of `count` contiguous values in place.
    @inline(__always)
    public static func softmaxRow(_ row: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        let sum = exponentiate(row, count: count)
        scale(row, count: count, by: 1 / sum)
    }

    /// Replaces `row[i]` by `exp(row[i] - max(row))` and returns their sum: softmax without the
    /// final division, which attention applies to its much narrower output instead.
    @inline(__always)
    static func exponentiate(_ row: UnsafeMutablePointer<Float>, count: Int) -> Float {
        let lanes = FastExp.lanes
        let body = count - count % lanes
        var maxVector = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i < body {
            maxVector = pointwiseMax(maxVector, FastExp.load(row + i))
            i += lanes
        }
        var maxValue = maxVector.max()
        for j in body..<count where row[j] > maxValue { maxValue = row[j] }
        let shift = SIMD8<Float>(repeating: maxValue)
        var sumVector = SIMD8<Float>()
        i = 0
        while i < body {
            let e = FastExp.exp(FastExp.load(row + i) - shift)
            FastExp.store(e, row + i)
            sumVector += e
            i += lanes
        }
        var sum = sumVector.sum()
        for j in body..<count {
            let e = FastExp.exp(row[j] - maxValue)
            row[j] = e
            sum += e
        }
        return sum
    }

    /// `row[i] *= factor` for `count` values.
    @inline(__always)
    static func scale(_ row: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        let lanes = FastExp.lanes
        let body = count - count % lanes
        let f = SIMD8<Float>(repeating: factor)
        var i = 0
        while i < body {
            FastExp.store(FastExp.load(row + i) * f, row + i)
            i += lanes
        }
        for j in body..<count { row[j] *= factor }
    }
}
