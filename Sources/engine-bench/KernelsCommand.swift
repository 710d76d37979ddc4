import ArgumentParser
import Engine
import Foundation

/// `engine-bench kernels`: each optimised kernel against its naive twin (`NaiveKernels`) on
/// ViT-L/14-at-518 shapes (smaller where the Double-precision twin would take minutes), one
/// JSON line per kernel with both times, the speed-up and the largest difference.
struct KernelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels", abstract: "Each optimised kernel vs its naive twin, one JSON line each.")

    @OptionGroup var options: BenchOptions

    @Option(help: "Only this kernel, without the sgemm probe (e.g. under valgrind --tool=callgrind for instruction counts).")
    var only: String?

    func run() throws {
        _ = BenchSupport.applyThreads(options.threads)
        let roof = only == nil ? SgemmProbe(m: 1370, n: 4096, k: 1024).measure(batches: 3)
            : SgemmProbe.Rate(openBLAS: 0, engine: 0, shape: "not measured")
        var rng = RandomWeights(seed: 11)
        for kernel in KernelCase.all(&rng) where only == nil || kernel.name == only {
            var times = [Double]()
            var fastOut = [Float]()
            for run in 0...options.runs(default: 5) {
                let start = BenchSupport.now()
                fastOut = kernel.fast()
                if run > 0 { times.append(BenchSupport.now() - start) }
            }
            let twinStart = BenchSupport.now()
            let twinOut = kernel.twin()
            let twinSeconds = BenchSupport.now() - twinStart
            var diff: Float = 0
            for (x, y) in zip(fastOut, twinOut) { diff = max(diff, abs(x - y)) }
            var row = BenchSupport.timingFields(times: times, flops: kernel.flops, sgemm: roof)
            row["kernel"] = kernel.name
            row["shape"] = kernel.shape
            row["twin"] = kernel.twinName
            row["twin_s"] = BenchSupport.round3(twinSeconds)
            row["speedup_vs_twin"] = BenchSupport.round3(twinSeconds / max(BenchSupport.median(times), 1e-9))
            row["max_abs_diff"] = Double(diff)
            BenchSupport.emit(BenchSupport.jsonLine(row))
        }
    }
}
