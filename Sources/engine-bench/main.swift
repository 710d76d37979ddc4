import Engine
import Foundation

// engine-bench: image-encoder latency of real CLIP architectures with random weights, next to
// this machine's own sgemm rate for the dominant GEMM shape, measured in the same run.
// Usage: swift run -c release engine-bench [--runs N] [--only vitb16|vitl14]

struct BenchCase {
    let name: String
    let architecture: CLIPArchitecture
    let inputSize: Int
    let taps: [Int]
    let dpamLayer: Int?
}

struct Options {
    var runs = 5
    var only: String?

    init(_ args: [String]) {
        var i = 0
        while i < args.count {
            switch args[i] {
            case "--runs" where i + 1 < args.count:
                runs = max(1, Int(args[i + 1]) ?? 5)
                i += 1
            case "--only" where i + 1 < args.count:
                only = args[i + 1]
                i += 1
            default:
                FileHandle.standardError.write(Data("engine-bench: ignoring unknown argument \(args[i])\n".utf8))
            }
            i += 1
        }
    }
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// sgemm GFLOP/s for C[m,n] = A[m,k] B[n,k]^T (the layout our linear layers use), median of 5
/// timed batches of at least 0.3 s each.
func sgemmRate(m: Int, n: Int, k: Int) -> Double {
    var rng = RandomWeights(seed: 7)
    let a = rng.tensor([m, k], std: 1)
    let b = rng.tensor([n, k], std: 1)
    let c = Tensor(zeros: [m, n])
    let flops = 2 * Double(m) * Double(n) * Double(k)
    BLAS.gemm(transB: true, m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: k, c: c.pointer, ldc: n)
    var rates = [Double]()
    for _ in 0..<5 {
        var calls = 0
        let start = now()
        var elapsed = 0.0
        repeat {
            BLAS.gemm(transB: true, m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: k, c: c.pointer, ldc: n)
            calls += 1
            elapsed = now() - start
        } while elapsed < 0.3
        rates.append(flops * Double(calls) / elapsed / 1e9)
    }
    return median(rates)
}

func jsonLine(_ dict: [String: Any]) -> String {
    guard let data = try? JSONSerialization.data(withJSONObject: dict, options: [.sortedKeys]),
          let text = String(data: data, encoding: .utf8) else { return "{}" }
    return text
}

func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }

let options = Options(Array(CommandLine.arguments.dropFirst()))
let cases = [
    BenchCase(name: "vitb16", architecture: .vitB16, inputSize: 224, taps: [], dpamLayer: nil),
    BenchCase(name: "vitl14_336_at518_dpam20", architecture: .vitL14at336, inputSize: 518, taps: [6, 12, 18, 24],
              dpamLayer: 20),
].filter { options.only == nil || $0.name.hasPrefix(options.only ?? "") }

var results = [[String: Any]]()
print("engine-bench: \(options.runs) timed runs per model after one warm-up, OpenBLAS threads \(BLAS.threads)")
for bench in cases {
    let a = bench.architecture
    var rng = RandomWeights(seed: 1234)
    let loadStart = now()
    let tower = rng.visionTower(a)
    let buildSeconds = now() - loadStart
    let dual = bench.dpamLayer.map { DualPathSetting.anomalyCLIP(dpamLayer: $0, layers: a.visionLayers) }
    let encoder: ImageEncoder
    do {
        encoder = try ImageEncoder(tower: tower, inputHeight: bench.inputSize, inputWidth: bench.inputSize,
                                   taps: bench.taps, dualPath: dual)
    } catch {
        print("engine-bench: \(bench.name): \(error)")
        exit(1)
    }
    let pixels = (0..<(3 * bench.inputSize * bench.inputSize)).map { _ in rng.normal() }
    var times = [Double]()
    var checksum: Float = 0
    for run in 0...options.runs {
        let start = now()
        guard let out = try? encoder.encode(pixels) else {
            print("engine-bench: \(bench.name): encode failed")
            exit(1)
        }
        let t = now() - start
        if run > 0 { times.append(t) }
        checksum = out.imageEmbedding.reduce(0, +)
        guard checksum.isFinite else {
            print("engine-bench: \(bench.name): non-finite output")
            exit(1)
        }
    }
    let flops = encoder.flopCount
    let med = median(times)
    let achieved = flops / med / 1e9
    let n = encoder.tokenCount
    let sgemm = sgemmRate(m: n, n: a.visionMLPWidth, k: a.visionWidth)
    let row: [String: Any] = [
        "model": bench.name,
        "input": bench.inputSize,
        "tokens": n,
        "dpam_first_block": dual?.firstBlock ?? 0,
        "taps": bench.taps,
        "runs": times.count,
        "median_s": round3(med), "min_s": round3(times.min() ?? 0), "max_s": round3(times.max() ?? 0),
        "gflop": round3(flops / 1e9),
        "gflops_achieved": round3(achieved),
        "sgemm_shape": "\(n)x\(a.visionMLPWidth)x\(a.visionWidth)",
        "sgemm_gflops": round3(sgemm),
        "fraction_of_sgemm": round3(achieved / sgemm),
        "weights_build_s": round3(buildSeconds),
        "peak_rss_mb": round3(peakRSSMegabytes()),
    ]
    print(String(format: "%@: input %d, %d tokens, %.2f GFLOP/forward: median %.3f s (min %.3f, max %.3f) = %.1f GFLOP/s; sgemm %@ = %.1f GFLOP/s -> %.0f%%; peak RSS %.0f MB",
                 bench.name, bench.inputSize, n, flops / 1e9, med, times.min() ?? 0, times.max() ?? 0, achieved,
                 "\(n)x\(a.visionMLPWidth)x\(a.visionWidth)", sgemm, 100 * achieved / sgemm, peakRSSMegabytes()))
    print(jsonLine(row))
    results.append(row)
}
print(jsonLine(["engine_bench": results, "blas_threads": BLAS.threads, "cpus": ProcessInfo.processInfo.activeProcessorCount]))
