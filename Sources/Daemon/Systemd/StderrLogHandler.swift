import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The log handler when not running under systemd (a terminal, a container, CI): one line per
/// record so `grep` and `tail -f` work, with a UTC timestamp because camera stations and the
/// machine running the daemon are often in different time zones.
///
/// Format: `2025-03-01T08:15:02.125Z warning [inspectd.watcher] low score inspection.station=2`
public struct StderrLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public let label: String

    public init(label: String, level: Logger.Level = .info, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = LoggingSetup.effectiveMetadata(provider: metadataProvider, handler: metadata,
                                                    event: event.metadata, error: event.error)
        Self.writeLine(Self.format(timestamp: .now, level: event.level, label: label,
                               message: "\(event.message)", metadata: merged))
    }

    /// One line, newline-terminated. Newlines inside the message or values are escaped so a
    /// multi-line error cannot be mistaken for several records; metadata is sorted by key so
    /// lines are comparable between runs.
    static func format(timestamp: Date, level: Logger.Level, label: String, message: String,
                       metadata: Logger.Metadata) -> String {
        var line = "\(utcTimestamp(timestamp)) \(level.rawValue) [\(label)] \(escaped(message))"
        for key in metadata.keys.sorted() {
            guard let value = metadata[key] else { continue }
            line += " \(quotedIfNeeded(key))=\(quotedIfNeeded("\(value)"))"
        }
        return line + "\n"
    }

    /// ISO 8601 with milliseconds, always UTC; formatted by hand because `DateFormatter` is
    /// neither cheap nor safe to share between threads.
    static func utcTimestamp(_ date: Date) -> String {
        // Round to whole milliseconds first: x.999 is often stored as x.99899…
        let totalMilliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var seconds = time_t(totalMilliseconds.quotientAndRemainder(dividingBy: 1000).quotient)
        var milliseconds = Int(totalMilliseconds % 1000)
        if milliseconds < 0 {
            milliseconds += 1000
            seconds -= 1
        }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
            + "T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))"
            + ".\(pad(Int32(milliseconds), 3))Z"
    }

    /// Control characters become visible escapes so every record stays on one line.
    static func escaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{0}"..."\u{1F}", "\u{7F}": result += "\\u{\(String(scalar.value, radix: 16))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// `key=value` stays unquoted when unambiguous; otherwise double quotes with `\"` and `\\`.
    static func quotedIfNeeded(_ text: String) -> String {
        let needsQuotes = text.isEmpty || text.unicodeScalars.contains { scalar in
            scalar == " " || scalar == "=" || scalar == "\"" || scalar == "\\" || scalar.value < 0x20
                || scalar.value == 0x7F
        }
        guard needsQuotes else { return text }
        let inner = escaped(text.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\"", with: "\\\""))
        return "\"\(inner)\""
    }

    /// A single write(2) per record, so lines from concurrent tasks do not interleave.
    static func writeLine(_ line: String) {
        var bytes = Array(line.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            bytes = bytes.dropFirst(written)
        }
    }
}
