import ArgumentParser
import Engine
import Foundation

/// One image-encoder case: a real CLIP architecture with random weights (built in memory, never
/// written or downloaded), an input size, taps and DPAM setting.
struct EncoderCase {
    let name: String
    let architecture: CLIPArchitecture
    let inputSize: Int
    let taps: [Int]
    /// First dual-path block (1-based), or nil for plain CLIP.
    let dpamFirstBlock: Int?
}

/// A subcommand's encoder case; one conforming type per case, one file each.
protocol EncoderCaseProvider {
    static var bench: EncoderCase { get }
    static var abstract: String { get }
}

/// `engine-bench <case>`: times the case's encoder (see `EncoderBenchmark`).
struct EncoderCommand<Case: EncoderCaseProvider>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: Case.bench.name, abstract: Case.abstract)
    }

    @OptionGroup var options: BenchOptions

    @Flag(help: "A/B in one run: alternate encodes with DPAM's symmetric value-value path off and on.")
    var compareSymmetricVV = false

    @Flag(help: "Scaling in one run: alternate encodes on one thread and on --threads (default every core).")
    var compareOneThread = false

    func run() throws {
        try EncoderBenchmark.run(Case.bench, options: options, compareSymmetricVV: compareSymmetricVV,
                                 compareOneThread: compareOneThread)
    }
}

/// Times one encoder case and prints its JSON line. The sgemm roof is measured between runs
/// (one 0.3 s batch after each encode), so a machine shared with other work loads both alike.
enum EncoderBenchmark {
    static func run(_ bench: EncoderCase, options: BenchOptions, compareSymmetricVV: Bool = false,
                    compareOneThread: Bool = false) throws {
        let threads = BenchSupport.applyThreads(options.threads)
        let a = bench.architecture
        var rng = RandomWeights(seed: 1234)
        let buildStart = BenchSupport.now()
        let tower = rng.visionTower(a)
        let buildSeconds = BenchSupport.now() - buildStart
        let dual = bench.dpamFirstBlock.map { DualPathSetting(firstBlock: $0) }
        let encoder = try ImageEncoder(tower: tower, inputHeight: bench.inputSize, inputWidth: bench.inputSize,
                                       taps: bench.taps, dualPath: dual)
        let pixels = (0..<(3 * bench.inputSize * bench.inputSize)).map { _ in rng.normal() }
        let n = encoder.tokenCount
        let probe = SgemmProbe(m: n, n: a.visionMLPWidth, k: a.visionWidth)
        var times = [Double]()
        var roofs = [Double]()
        var fullVV = [Double]()
        var oneThread = [Double]()
        for run in 0...options.runs(default: 5) {
            // A/B: the query-row tiling of v vᵀ timed beside each symmetric run, order alternating.
            let fullFirst = run % 2 == 0
            if compareSymmetricVV, fullFirst, run > 0 { fullVV.append(try timeFullVV(encoder, pixels)) }
            let start = BenchSupport.now()
            let out = try encoder.encode(pixels)
            let t = BenchSupport.now() - start
            guard out.imageEmbedding.allSatisfy(\.isFinite) else {
                throw ValidationError("\(bench.name): non-finite output")
            }
            if compareSymmetricVV, !fullFirst, run > 0 { fullVV.append(try timeFullVV(encoder, pixels)) }
            if compareOneThread, run > 0 { oneThread.append(try timeOneThread(encoder, pixels, restoring: threads)) }
            if run > 0 {
                times.append(t)
                roofs.append(probe.measure(batches: 1).openBLAS)
            }
        }
        var rate = probe.measure(batches: 3)
        rate.openBLAS = BenchSupport.median(roofs + [rate.openBLAS])
        var row = BenchSupport.timingFields(times: times, flops: encoder.flopCount, sgemm: rate)
        row["model"] = bench.name
        row["input"] = bench.inputSize
        row["tokens"] = n
        row["dpam_first_block"] = dual?.firstBlock ?? 0
        row["taps"] = bench.taps
        row["threads"] = threads
        row["weights_build_s"] = BenchSupport.round3(buildSeconds)
        if compareOneThread {
            row["one_thread_median_s"] = BenchSupport.round3(BenchSupport.median(oneThread))
            row["speedup_1_to_\(threads)_threads"] = BenchSupport.round3(BenchSupport.median(oneThread) / max(BenchSupport.median(times), 1e-9))
        }
        if compareSymmetricVV {
            row["vv_full_median_s"] = BenchSupport.round3(BenchSupport.median(fullVV))
            row["vv_symmetric_saving_s"] = BenchSupport.round3(BenchSupport.median(fullVV) - BenchSupport.median(times))
        }
        BenchSupport.emit(BenchSupport.jsonLine(row))
    }

    /// One encode with the value-value scores computed by the query-row tiling (both halves).
    private static func timeFullVV(_ encoder: ImageEncoder, _ pixels: [Float]) throws -> Double {
        MultiHeadAttention.symmetricValueValue = false
        defer { MultiHeadAttention.symmetricValueValue = true }
        let start = BenchSupport.now()
        _ = try encoder.encode(pixels)
        return BenchSupport.now() - start
    }

    /// One encode with the engine capped at one thread, then the cap put back to `threads`.
    private static func timeOneThread(_ encoder: ImageEncoder, _ pixels: [Float], restoring threads: Int) throws -> Double {
        ComputeBudget.limit(threads: 1)
        defer { ComputeBudget.limit(threads: threads) }
        let start = BenchSupport.now()
        _ = try encoder.encode(pixels)
        return BenchSupport.now() - start
    }
}
