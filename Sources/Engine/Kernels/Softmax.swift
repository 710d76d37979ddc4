import Foundation

/// Numerically stable row softmax, the only normalisation attention and scoring need.
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
        var maxValue = row[0]
        for i in 1..<max(count, 1) where row[i] > maxValue { maxValue = row[i] }
        var sum: Float = 0
        for i in 0..<count {
            let e = expf(row[i] - maxValue)
            row[i] = e
            sum += e
        }
        let inv = 1 / sum
        for i in 0..<count { row[i] *= inv }
    }
}
