import Foundation

/// Reading the worker's JSON lines and locating this executable for `retrain`.
enum RetrainLog {
    static func parseJSON(_ line: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }

    static func epochLines(_ lines: [String]) -> [[String: Any]] {
        lines.compactMap(parseJSON).filter { $0["worker_epoch"] != nil }
    }

    /// A worker epoch's span on the monotonic clock.
    static func epochSpan(_ epoch: [String: Any]) -> ClosedRange<Double>? {
        guard let end = (epoch["end_monotonic_s"] as? NSNumber)?.doubleValue,
              let seconds = (epoch["seconds"] as? NSNumber)?.doubleValue else { return nil }
        return (end - seconds)...end
    }

    /// The executable this process runs (what /proc/self/exe points at).
    static func currentExecutable() -> URL {
        let resolved = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: resolved)
    }
}
