/// DPAM's value-value attention `softmax(v vᵀ s) v` with each pair of score tiles computed
/// once. S = s·v vᵀ is symmetric, so the tile S[I, J] (I < J) also gives S[J, I] = S[I, J]ᵀ:
/// block rows I take `exp(S[I, J]) v[J]`, block rows J take `exp(S[I, J])ᵀ v[I]`. Since a row
/// then meets its columns in no fixed order, the softmax is taken online (flash-attention
/// style): each row keeps a running maximum and sum, and its partial output is rescaled when
/// the maximum grows; rows are divided by their sums at the end. One head is one task (its
/// rows are updated from every tile pair), so heads spread over the workers; a tile pair stays
/// in L1/L2. Half the score products of the query-row tiling, at the price of a second
/// exponentiation of the off-diagonal tiles. Twin: `NaiveKernels.attention(path: .valueValue)`.
extension MultiHeadAttention {
    /// Side of the square score tiles (64 KiB each).
    static func symmetricBlock(tokens: Int) -> Int { min(max(tokens, 1), 128) }

    func attendSymmetric(tokens n: Int, qkv: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                         workers: Int, context: UnsafeMutablePointer<Float>) {
        let w = width
        let d = headDim
        let ld = 3 * w
        let scale = 1 / Float(d).squareRoot()
        let b = Self.symmetricBlock(tokens: n)
        let blocks = (n + b - 1) / b
        let stride = Self.workerScratch(tokens: n)
        nonisolated(unsafe) let qkv = qkv, scratch = scratch, context = context
        Parallel.forEachTask(heads, workers: min(max(1, workers), Parallel.cores)) { worker, h in
            let scores = scratch + worker * stride
            let mirrored = scores + b * b
            let maxima = mirrored + b * b
            let sums = maxima + n
            let v = qkv + 2 * w + h * d
            let out = context + h * d
            maxima.update(repeating: -.infinity, count: n)
            sums.update(repeating: 0, count: n)
            for i in 0..<n { (out + i * w).update(repeating: 0, count: d) }
            for bi in 0..<blocks {
                let i0 = bi * b
                let ri = min(b, n - i0)
                for bj in bi..<blocks {
                    let j0 = bj * b
                    let rj = min(b, n - j0)
                    BLAS.gemmSerial(transB: true, m: ri, n: rj, k: d, alpha: scale,
                                    a: v + i0 * ld, lda: ld, b: v + j0 * ld, ldb: ld, c: scores, ldc: rj)
                    if bj != bi {
                        Self.exponentiateColumns(scores, rows: ri, columns: rj, into: mirrored,
                                                 maxima: maxima + j0, sums: sums + j0, outputs: out + j0 * w,
                                                 outputStride: w, width: d)
                        BLAS.gemmSerial(transA: true, m: rj, n: d, k: ri, a: mirrored, lda: rj,
                                        b: v + i0 * ld, ldb: ld, beta: 1, c: out + j0 * w, ldc: w)
                    }
                    Self.exponentiateRows(scores, rows: ri, columns: rj, maxima: maxima + i0, sums: sums + i0,
                                          outputs: out + i0 * w, outputStride: w, width: d)
                    BLAS.gemmSerial(m: ri, n: d, k: rj, a: scores, lda: rj, b: v + j0 * ld, ldb: ld,
                                    beta: 1, c: out + i0 * w, ldc: w)
                }
            }
            for i in 0..<n { Softmax.scale(out + i * w, count: d, by: 1 / sums[i]) }
        }
    }

    /// Row `i` of `tile` belongs to output row i: its running maximum takes in the row's
    /// maximum (rescaling the row's partial output and sum when it grows), then the row is
    /// exponentiated in place against it and its sum added.
    private static func exponentiateRows(_ tile: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
                                         maxima: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Float>,
                                         outputs: UnsafeMutablePointer<Float>, outputStride: Int, width: Int) {
        let lanes = FastExp.lanes
        let body = columns - columns % lanes
        for i in 0..<rows {
            let row = tile + i * columns
            var top = SIMD8<Float>(repeating: -.infinity)
            var c = 0
            while c < body {
                top = pointwiseMax(top, FastExp.load(row + c))
                c += lanes
            }
            var rowMax = top.max()
            for j in body..<columns where row[j] > rowMax { rowMax = row[j] }
            rescale(index: i, newMaximum: rowMax, maxima: maxima, sums: sums,
                    output: outputs + i * outputStride, width: width)
            let shift = SIMD8<Float>(repeating: maxima[i])
            var total = SIMD8<Float>()
            c = 0
            while c < body {
                let e = FastExp.exp(FastExp.load(row + c) - shift)
                FastExp.store(e, row + c)
                total += e
                c += lanes
            }
            var sum = total.sum()
            for j in body..<columns {
                let e = FastExp.exp(row[j] - maxima[i])
                row[j] = e
                sum += e
            }
            sums[i] += sum
        }
    }

    /// Column `j` of `tile` belongs to output row j (the mirrored tile): the same update as
    /// `exponentiateRows` down the columns, eight columns at a time, written to `mirrored`
    /// in the tile's layout (the product then reads it transposed).
    private static func exponentiateColumns(_ tile: UnsafePointer<Float>, rows: Int, columns: Int,
                                            into mirrored: UnsafeMutablePointer<Float>,
                                            maxima: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Float>,
                                            outputs: UnsafeMutablePointer<Float>, outputStride: Int, width: Int) {
        let lanes = FastExp.lanes
        let body = columns - columns % lanes
        var c = 0
        while c < body {
            var top = SIMD8<Float>(repeating: -.infinity)
            for i in 0..<rows { top = pointwiseMax(top, FastExp.load(tile + i * columns + c)) }
            for lane in 0..<lanes {
                rescale(index: c + lane, newMaximum: top[lane], maxima: maxima, sums: sums,
                        output: outputs + (c + lane) * outputStride, width: width)
            }
            let shift = FastExp.load(maxima + c)
            var total = SIMD8<Float>()
            for i in 0..<rows {
                let e = FastExp.exp(FastExp.load(tile + i * columns + c) - shift)
                FastExp.store(e, mirrored + i * columns + c)
                total += e
            }
            FastExp.store(FastExp.load(sums + c) + total, sums + c)
            c += lanes
        }
        for j in body..<columns {
            var colMax = -Float.infinity
            for i in 0..<rows where tile[i * columns + j] > colMax { colMax = tile[i * columns + j] }
            rescale(index: j, newMaximum: colMax, maxima: maxima, sums: sums,
                    output: outputs + j * outputStride, width: width)
            var sum: Float = 0
            for i in 0..<rows {
                let e = FastExp.exp(tile[i * columns + j] - maxima[j])
                mirrored[i * columns + j] = e
                sum += e
            }
            sums[j] += sum
        }
    }

    /// Raises row `index`'s running maximum to `newMaximum` if larger, scaling its partial
    /// output and sum by exp(old − new) (both are zero before the row's first tile).
    @inline(__always)
    private static func rescale(index: Int, newMaximum: Float, maxima: UnsafeMutablePointer<Float>,
                                sums: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, width: Int) {
        let old = maxima[index]
        guard newMaximum > old else { return }
        maxima[index] = newMaximum
        guard old > -.infinity else { return }
        let factor = FastExp.exp(old - newMaximum)
        sums[index] *= factor
        Softmax.scale(output, count: width, by: factor)
    }
}
