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

    func run() throws {
        try EncoderBenchmark.run(Case.bench, options: options)
    }
}

/// Times one encoder case and prints its JSON line. The sgemm roof is measured between runs
/// (one 0.3 s batch after each encode), so a machine shared with other work loads both alike.
enum EncoderBenchmark {
    static func run(_ bench: EncoderCase, options: BenchOptions) throws {
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
        for run in 0...options.runs(default: 5) {
            let start = BenchSupport.now()
            let out = try encoder.encode(pixels)
            let t = BenchSupport.now() - start
            guard out.imageEmbedding.allSatisfy(\.isFinite) else {
                throw ValidationError("\(bench.name): non-finite output")
            }
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
        BenchSupport.emit(BenchSupport.jsonLine(row))
    }
}
