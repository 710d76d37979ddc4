import Engine
import Foundation

/// Shared measuring helpers: the monotonic clock, statistics, peak RSS, JSON output and the
/// machine's sgemm rate, so every subcommand reports the same fields the same way.
enum BenchSupport {
    /// Seconds on the monotonic clock.
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Peak resident set size of this process in MB.
    static func peakRSSMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    static func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }

    static func jsonLine(_ dict: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: dict, options: [.sortedKeys]),
              let text = String(data: data, encoding: .utf8) else { return "{}" }
        return text
    }

    /// The 1-minute load average: other work on the machine skews every figure here.
    static func loadAverage() -> Double {
        var load = [Double](repeating: 0, count: 3)
        return getloadavg(&load, 3) > 0 ? round3(load[0]) : -1
    }

    /// Writes one line straight to fd 1 (print buffers when stdout is a pipe).
    static func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Caps the engine at `threads` (nil: every core) and says what it uses.
    static func applyThreads(_ threads: Int?) -> Int {
        if let threads { ComputeBudget.limit(threads: threads) }
        return BLAS.threads
    }

    /// The standard timing fields of a JSON line: median/min/max seconds, GFLOP and GFLOP/s,
    /// the same-run sgemm rate and the fraction of it, peak RSS.
    static func timingFields(times: [Double], flops: Double, sgemm: SgemmProbe.Rate) -> [String: Any] {
        let med = median(times)
        let achieved = med > 0 ? flops / med / 1e9 : 0
        return [
            "runs": times.count,
            "median_s": round3(med), "min_s": round3(times.min() ?? 0), "max_s": round3(times.max() ?? 0),
            "gflop": round3(flops / 1e9),
            "gflops_achieved": round3(achieved),
            "sgemm_shape": sgemm.shape,
            "sgemm_gflops": round3(sgemm.openBLAS),
            "engine_gemm_gflops": round3(sgemm.engine),
            "fraction_of_sgemm": sgemm.openBLAS > 0 ? round3(achieved / sgemm.openBLAS) : 0,
            "peak_rss_mb": round3(peakRSSMegabytes()),
            "threads": BLAS.threads,
            "load_average_1m": loadAverage(),
        ]
    }
}
