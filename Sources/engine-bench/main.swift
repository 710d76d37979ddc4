import Engine
import Foundation
import Inspection

// engine-bench: image-encoder latency of real CLIP architectures with random weights, next to
// this machine's own sgemm rate for the dominant GEMM shape, measured in the same run.
// Also: decode + preprocess of a 5 MP camera JPEG to 518x518 (the per-image work before the model).
// Usage: swift run -c release engine-bench [--runs N] [--only vitb16|vitl14|decode]

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
if options.only == nil || "decode".hasPrefix(options.only ?? "") {
    if let row = decodeBenchmark(runs: max(options.runs, 5)) {
        print(String(format: "decode+preprocess %@: median %.1f ms (min %.1f, max %.1f); decode %.1f ms, preprocess %.1f ms",
                     row["frame"] as? String ?? "", row["median_ms"] as? Double ?? 0, row["min_ms"] as? Double ?? 0,
                     row["max_ms"] as? Double ?? 0, row["decode_median_ms"] as? Double ?? 0,
                     row["preprocess_median_ms"] as? Double ?? 0))
        print(jsonLine(row))
        results.append(row)
    }
}
print(jsonLine(["engine_bench": results, "blas_threads": BLAS.threads, "cpus": ProcessInfo.processInfo.activeProcessorCount]))

/// Decode + preprocess of a synthetic 2448x2048 camera frame (JPEG q92, textured so the
/// entropy decoder has real work) to 518x518 squash, median over `runs`.
func decodeBenchmark(runs: Int) -> [String: Any]? {
    let (w, h) = (2448, 2048)
    var rng = RandomWeights(seed: 42)
    var pixels = [UInt8](repeating: 0, count: w * h * 3)
    for y in 0..<h {
        for x in 0..<w {
            let i = 3 * (y * w + x)
            let n = rng.normal() * 12
            pixels[i] = UInt8(clamping: Int(Float(x % 512) / 2 + n))
            pixels[i + 1] = UInt8(clamping: Int(Float(y % 384) / 1.5 + n))
            pixels[i + 2] = UInt8(clamping: Int(128 + 60 * sinf(Float(x + y) / 37) + n))
        }
    }
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("engine-bench-5mp.jpg").path
    do {
        let jpeg = try JPEGEncoder.encodeRGB8(RGBImage(width: w, height: h, pixels: pixels), quality: 92)
        try Data(jpeg).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let decoder = ImageDecoder()
        let preprocessor = try Preprocessor(inputSize: 518, mode: .squash)
        var totals = [Double](), decodes = [Double](), preps = [Double]()
        for run in 0...runs {
            let t0 = now()
            let image = try decoder.decode(file: path).image
            let t1 = now()
            let input = preprocessor(image)
            let t2 = now()
            guard input.pixels.count == 3 * 518 * 518 else { return nil }
            if run > 0 {
                totals.append((t2 - t0) * 1000)
                decodes.append((t1 - t0) * 1000)
                preps.append((t2 - t1) * 1000)
            }
        }
        return ["model": "decode_preprocess", "frame": "\(w)x\(h) JPEG q92 (\(jpeg.count / 1024) KiB) -> 518x518 squash",
                "runs": totals.count, "median_ms": round3(median(totals)), "min_ms": round3(totals.min() ?? 0),
                "max_ms": round3(totals.max() ?? 0), "decode_median_ms": round3(median(decodes)),
                "preprocess_median_ms": round3(median(preps))]
    } catch {
        print("engine-bench: decode benchmark failed: \(error)")
        return nil
    }
}
