import Foundation
import Store

/// When a station's few-shot fit may start again. A fit that dies with the daemon (crash,
/// OOM kill, kill -9) stays `running` in `fewshot_fits`; one such death gets one immediate
/// retry at the next start (it may have been unrelated), after that, and after every fit that
/// failed with an error, the wait doubles from 10 minutes up to 6 hours. So a fit that kills
/// the daemon does not turn into a crash loop, and one that cannot succeed does not spin.
enum FitBackoff {
    /// Unfinished starts of the same fit that are retried without waiting.
    static let freeAttempts = 1
    /// The first wait.
    static let firstDelay: Double = 600
    /// The longest wait.
    static let maxDelay: Double = 6 * 3600

    /// The earliest time (unix seconds) the fit `key` may start, given the station's fit row;
    /// nil: now.
    static func notBefore(_ fit: FewShotFit?, key: String) -> Double? {
        guard let fit, fit.key == key, fit.state != .done else { return nil }
        let waits = fit.state == .failed ? fit.attempts : fit.attempts - freeAttempts
        guard waits > 0 else { return nil }
        return fit.startedAt + min(firstDelay * pow(2, Double(waits - 1)), maxDelay)
    }
}
