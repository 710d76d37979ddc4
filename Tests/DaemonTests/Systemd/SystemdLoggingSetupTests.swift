@testable import Daemon
import Foundation
import Logging
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `LoggingSetup.bootstrap` itself is not called here: LoggingSystem can be bootstrapped only
/// once per process and other test suites may depend on the default handler.
@Suite struct SystemdLoggingSetupTests {
    @Test func journalStreamParsing() {
        #expect(LoggingSetup.journalStream("8:12345", matchesDevice: 8, inode: 12345))
        #expect(!LoggingSetup.journalStream("8:12345", matchesDevice: 8, inode: 12346))
        #expect(!LoggingSetup.journalStream("9:12345", matchesDevice: 8, inode: 12345))
        #expect(!LoggingSetup.journalStream(nil, matchesDevice: 8, inode: 12345))
        #expect(!LoggingSetup.journalStream("", matchesDevice: 0, inode: 0))
        #expect(!LoggingSetup.journalStream("8:12345:1", matchesDevice: 8, inode: 12345))
        #expect(!LoggingSetup.journalStream("8-12345", matchesDevice: 8, inode: 12345))
        #expect(!LoggingSetup.journalStream("x:12345", matchesDevice: 8, inode: 12345))
    }

    @Test func stderrIsJournalComparesWithFstat() throws {
        var info = stat()
        try #require(fstat(STDERR_FILENO, &info) == 0)
        let matching = "\(UInt64(info.st_dev)):\(UInt64(info.st_ino))"
        let other = "\(UInt64(info.st_dev)):\(UInt64(info.st_ino) &+ 1)"
        #expect(LoggingSetup.stderrIsJournal(environment: ["JOURNAL_STREAM": matching]))
        #expect(!LoggingSetup.stderrIsJournal(environment: ["JOURNAL_STREAM": other]))
        #expect(!LoggingSetup.stderrIsJournal(environment: [:]))
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String { "disk full" }
    }

    @Test func metadataPrecedenceAndError() {
        let provider = Logger.MetadataProvider { ["a": "provider", "b": "provider", "c": "provider"] }
        let merged = LoggingSetup.effectiveMetadata(
            provider: provider, handler: ["b": "handler", "c": "handler"], event: ["c": "event"], error: Failure())
        #expect(merged == ["a": "provider", "b": "handler", "c": "event", "error": "disk full"])
        let explicit = LoggingSetup.effectiveMetadata(provider: nil, handler: [:], event: ["error": "mine"], error: Failure())
        #expect(explicit == ["error": "mine"])
    }
}
