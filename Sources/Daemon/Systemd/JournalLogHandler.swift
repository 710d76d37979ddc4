import CSystemd
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Sends log records to journald as structured entries rather than text on stderr, so every
/// metadata key becomes a field operators can filter on, e.g.
/// `journalctl -u inspectd INSPECTION_STATION=2 PRIORITY=4`.
///
/// Uses the non-variadic `sd_journal_sendv` (one iovec per `NAME=value` field) and supplies
/// `CODE_FILE`/`CODE_LINE`/`CODE_FUNC` itself: those describe the Swift call site, not this file.
/// If journald refuses an entry the line goes to stderr instead, so nothing is lost silently.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    /// The Logger label, sent as `LOGGER_LABEL` to tell subsystems apart within one process.
    public let label: String
    /// `SYSLOG_IDENTIFIER`, what `journalctl -t` and the short output format show.
    public let identifier: String

    public init(label: String, identifier: String = "inspectd", level: Logger.Level = .info,
                metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.identifier = identifier
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
        let entry = Self.fields(label: label, identifier: identifier, level: event.level,
                                message: "\(event.message)", metadata: merged,
                                file: event.file, function: event.function, line: event.line)
        if Self.send(entry) < 0 {
            StderrLogHandler.writeLine(StderrLogHandler.format(
                timestamp: .now, level: event.level, label: label,
                message: "\(event.message)", metadata: merged))
        }
    }

    /// Fields the handler sets itself; metadata mapping onto one of them gets a `META_` prefix
    /// instead of producing a second `MESSAGE=` or `PRIORITY=` in the entry.
    static let reservedFields: Set<String> = [
        "MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "LOGGER_LABEL",
    ]

    /// The journal entry for one record, in sending order.
    static func fields(label: String, identifier: String, level: Logger.Level, message: String,
                       metadata: Logger.Metadata, file: String, function: String,
                       line: UInt) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = [
            ("MESSAGE", message),
            ("PRIORITY", String(priority(level))),
            ("SYSLOG_IDENTIFIER", identifier),
            ("LOGGER_LABEL", label),
            ("CODE_FILE", file),
            ("CODE_LINE", String(line)),
            ("CODE_FUNC", function),
        ]
        for key in metadata.keys.sorted() {
            guard let value = metadata[key] else { continue }
            fields.append((fieldName(forMetadataKey: key), "\(value)"))
        }
        return fields
    }

    /// syslog(3) priorities, which is what journald's `PRIORITY=` and `journalctl -p` use.
    /// swift-log has no "alert"/"emergency"; trace is folded into debug (7).
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    /// Maps a metadata key onto a name journald accepts: only `A-Z`, `0-9` and `_`, at most 64
    /// characters, not starting with a digit, and not starting with `_` (those are the trusted
    /// fields journald adds itself and it drops such names from clients). Lower case is
    /// upper-cased and everything else (`.`, `-`, spaces, non-ASCII) becomes `_`, so
    /// `inspection.station` → `INSPECTION_STATION`. Keys that would be empty, start with a digit
    /// or collide with a field this handler sets get a `META_` prefix.
    static func fieldName(forMetadataKey key: String) -> String {
        var name = String(String.UnicodeScalarView(key.unicodeScalars.map { scalar -> Unicode.Scalar in
            switch scalar {
            case "a"..."z": return Unicode.Scalar(UInt8(scalar.value) - 32)
            case "A"..."Z", "0"..."9": return scalar
            default: return "_"
            }
        }))
        while name.first == "_" { name.removeFirst() }
        if name.isEmpty {
            name = "META"
        } else if let first = name.unicodeScalars.first,
                  ("0"..."9").contains(first) || reservedFields.contains(name) {
            name = "META_" + name
        }
        return String(name.prefix(64))
    }

    /// Hands one entry to journald; returns sd_journal_sendv's result (negative errno on failure).
    @discardableResult
    static func send(_ fields: [(name: String, value: String)]) -> Int32 {
        var buffer: [UInt8] = []
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(fields.count)
        for field in fields {
            let start = buffer.count
            buffer.append(contentsOf: field.name.utf8)
            buffer.append(UInt8(ascii: "="))
            buffer.append(contentsOf: field.value.utf8)
            ranges.append(start..<buffer.count)
        }
        return buffer.withUnsafeMutableBytes { bytes -> Int32 in
            guard let base = bytes.baseAddress else { return -EINVAL }
            let vectors = ranges.map { iovec(iov_base: base + $0.lowerBound, iov_len: $0.count) }
            return vectors.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        }
    }
}
