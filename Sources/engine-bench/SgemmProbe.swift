import Engine

/// This machine's sgemm rate for one shape, `C[m,n] = A[m,k] B[n,k]^T` (the layout of our
/// linear layers), as OpenBLAS's own threaded kernel reaches it with the engine's thread count
/// (the roof `fraction_of_sgemm` divides by) and as the engine's tiled `BLAS.gemm` does.
struct SgemmProbe {
    /// Both rates in GFLOP/s, and the shape as "m x n x k".
    struct Rate {
        var openBLAS: Double
        var engine: Double
        var shape: String
    }

    let m: Int, n: Int, k: Int
    private let a: Tensor, b: Tensor, c: Tensor

    init(m: Int, n: Int, k: Int) {
        (self.m, self.n, self.k) = (m, n, k)
        var rng = RandomWeights(seed: 7)
        a = rng.tensor([m, k], std: 1)
        b = rng.tensor([n, k], std: 1)
        c = Tensor(zeros: [m, n])
    }

    /// Median of `batches` timed batches of at least `seconds` each, for both kernels.
    func measure(batches: Int = 5, seconds: Double = 0.3) -> Rate {
        let threads = BLAS.threads
        let openBLAS = rate(batches: batches, seconds: seconds) {
            BLAS.gemmOpenBLASThreaded(threads: threads, transB: true, m: m, n: n, k: k, a: a.pointer, lda: k,
                                      b: b.pointer, ldb: k, c: c.pointer, ldc: n)
        }
        let engine = rate(batches: batches, seconds: seconds) {
            BLAS.gemm(transB: true, m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: k,
                      c: c.pointer, ldc: n)
        }
        return Rate(openBLAS: openBLAS, engine: engine, shape: "\(m)x\(n)x\(k)")
    }

    private func rate(batches: Int, seconds: Double, _ call: () -> Void) -> Double {
        let flops = 2 * Double(m) * Double(n) * Double(k)
        call()
        var rates = [Double]()
        for _ in 0..<batches {
            var calls = 0
            let start = BenchSupport.now()
            var elapsed = 0.0
            repeat {
                call()
                calls += 1
                elapsed = BenchSupport.now() - start
            } while elapsed < seconds
            rates.append(flops * Double(calls) / elapsed / 1e9)
        }
        return BenchSupport.median(rates)
    }
}
