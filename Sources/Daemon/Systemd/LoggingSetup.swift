import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Chooses the process-wide log backend once, at start-up: structured journald entries when
/// systemd connected our stderr to the journal, readable stderr lines otherwise.
public enum LoggingSetup {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var bootstrapped = false

    /// Installs the handler for every `Logger`. swift-log crashes on a second
    /// `LoggingSystem.bootstrap`, so later calls (tests, a reload path) are ignored.
    public static func bootstrap(level: Logger.Level) {
        lock.lock()
        defer { lock.unlock() }
        guard !bootstrapped else { return }
        bootstrapped = true
        if stderrIsJournal() {
            LoggingSystem.bootstrap { label in JournalLogHandler(label: label, level: level) }
        } else {
            LoggingSystem.bootstrap { label in StderrLogHandler(label: label, level: level) }
        }
    }

    /// systemd.exec(5): `JOURNAL_STREAM` holds the device and inode of the journal stream it
    /// connected; comparing it with fstat(2) of stderr tells whether our stderr is still that
    /// stream (and not redirected by a wrapper script), which is the documented test.
    static func stderrIsJournal(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        var info = stat()
        guard fstat(STDERR_FILENO, &info) == 0 else { return false }
        return journalStream(environment["JOURNAL_STREAM"],
                             matchesDevice: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// Parses `JOURNAL_STREAM=<device>:<inode>` (both decimal) and compares it.
    static func journalStream(_ value: String?, matchesDevice device: UInt64, inode: UInt64) -> Bool {
        guard let value else { return false }
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let streamDevice = UInt64(parts[0]), let streamInode = UInt64(parts[1]) else {
            return false
        }
        return streamDevice == device && streamInode == inode
    }

    /// swift-log's precedence: provider, then handler, then per-call metadata; the record's
    /// error (if any) is added as `error` unless the caller already set that key.
    static func effectiveMetadata(provider: Logger.MetadataProvider?, handler: Logger.Metadata,
                                  event: Logger.Metadata?, error: (any Error)?) -> Logger.Metadata {
        var merged = provider?.get() ?? [:]
        merged.merge(handler) { _, new in new }
        if let event { merged.merge(event) { _, new in new } }
        if let error, merged["error"] == nil { merged["error"] = "\(error)" }
        return merged
    }
}
