import Foundation
import Logging

/// Keeps every log line (message and metadata rendered as text), so tests can check what the
/// shipper logs, e.g. that no line contains the password.
final class LogCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = [String]()

    var lines: [String] { lock.withLock { stored } }

    func logger(_ label: String = "test.fleet") -> Logger {
        var logger = Logger(label: label) { _ in Handler(collector: self) }
        logger.logLevel = .trace
        return logger
    }

    fileprivate func append(_ line: String) { lock.withLock { stored.append(line) } }

    private struct Handler: LogHandler {
        let collector: LogCollector
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            let error = event.error.map { " error=\($0)" } ?? ""
            collector.append("\(event.level) \(event.message) \(all.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " "))\(error)")
        }
    }
}
