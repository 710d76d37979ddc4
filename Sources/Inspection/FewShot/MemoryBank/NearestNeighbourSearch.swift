import Engine

/// Exact maximum-inner-product search of unit vectors against a memory bank. Exact, not
/// approximate: with a few thousand to a few tens of thousands of stored patches one BLAS
/// pass is fast enough, and an index would add error to the very distances the map reports.
enum NearestNeighbourSearch {
    /// For each of the `queryCount` rows of `queries` ([queryCount, width]), writes to `best`
    /// its largest dot product with any row of `bank` ([bankCount, width]).
    ///
    /// The bank is walked in chunks of `chunkRows` rows: one gemm `queries · chunkᵀ` fills
    /// `scores` ([queryCount, chunkRows] capacity), then each query row's maximum is folded
    /// into `best`. Cost O(queryCount · bankCount · width) in BLAS plus one pass over the scores;
    /// memory is the caller's scratch only.
    static func maxSimilarities(queries: UnsafePointer<Float>, queryCount: Int,
                                bank: UnsafePointer<Float>, bankCount: Int, width: Int,
                                chunkRows: Int, scores: UnsafeMutablePointer<Float>,
                                best: UnsafeMutablePointer<Float>, excluding: Range<Int>? = nil) {
        best.update(repeating: -.infinity, count: queryCount)
        guard queryCount > 0, bankCount > 0 else { return }
        let step = max(1, chunkRows)
        var start = 0
        while start < bankCount {
            // Rows of `excluding` (one image's own patches, for leave-one-out) are skipped.
            if let skip = excluding, skip.contains(start) {
                start = skip.upperBound
                continue
            }
            let end = excluding.map { $0.lowerBound > start ? min(bankCount, $0.lowerBound) : bankCount } ?? bankCount
            let c = min(step, end - start)
            BLAS.gemm(transB: true, m: queryCount, n: c, k: width,
                      a: queries, lda: width, b: bank + start * width, ldb: width,
                      c: scores, ldc: c)
            for q in 0..<queryCount {
                let m = rowMaximum(scores + q * c, count: c)
                if m > best[q] { best[q] = m }
            }
            start += c
        }
    }

    /// Largest of `count` (≥ 1) values; four independent running maxima so the comparisons
    /// pipeline instead of waiting on one another.
    @inline(__always)
    static func rowMaximum(_ p: UnsafePointer<Float>, count: Int) -> Float {
        var m0 = p[0], m1 = p[0], m2 = p[0], m3 = p[0]
        var i = 0
        while i + 4 <= count {
            m0 = p[i] > m0 ? p[i] : m0
            m1 = p[i + 1] > m1 ? p[i + 1] : m1
            m2 = p[i + 2] > m2 ? p[i + 2] : m2
            m3 = p[i + 3] > m3 ? p[i + 3] : m3
            i += 4
        }
        while i < count {
            m0 = p[i] > m0 ? p[i] : m0
            i += 1
        }
        return max(max(m0, m1), max(m2, m3))
    }
}
