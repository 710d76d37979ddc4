@testable import Daemon
import Foundation
import Logging
import Testing

@Suite struct SystemdJournalLogHandlerTests {
    @Test(arguments: [
        ("inspection.station", "INSPECTION_STATION"),
        ("verdict.score", "VERDICT_SCORE"),
        ("image-path", "IMAGE_PATH"),
        ("camera id", "CAMERA_ID"),
        ("Already_OK9", "ALREADY_OK9"),
        ("_pid", "PID"),
        ("__comm", "COMM"),
        ("3d.score", "META_3D_SCORE"),
        ("_9lives", "META_9LIVES"),
        ("message", "META_MESSAGE"),
        ("priority", "META_PRIORITY"),
        ("code.file", "META_CODE_FILE"),
        ("", "META"),
        ("...", "META"),
        ("größe", "GR__E"),
        ("cam/📷", "CAM__"),
    ])
    func fieldNameSanitising(key: String, expected: String) {
        let name = JournalLogHandler.fieldName(forMetadataKey: key)
        #expect(name == expected)
        #expect(Self.isValidJournalFieldName(name))
    }

    @Test func longKeysAreTruncatedToJournaldLimit() {
        let name = JournalLogHandler.fieldName(forMetadataKey: String(repeating: "a.", count: 50))
        #expect(name.count == 64)
        #expect(Self.isValidJournalFieldName(name))
    }

    @Test(arguments: [
        (Logger.Level.trace, 7), (.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3), (.critical, 2),
    ])
    func priorityFollowsSyslog(level: Logger.Level, priority: Int) {
        #expect(JournalLogHandler.priority(level) == priority)
    }

    @Test func entryCarriesStandardAndMetadataFields() {
        let fields = JournalLogHandler.fields(
            label: "inspectd.watcher", identifier: "inspectd", level: .warning, message: "low score\nsecond line",
            metadata: ["verdict.score": "0.93", "inspection.station": .stringConvertible(2), "message": "shadowed"],
            file: "Daemon/Watcher.swift", function: "scan()", line: 42)
        let pairs = fields.map { "\($0.name)=\($0.value)" }
        #expect(pairs == [
            "MESSAGE=low score\nsecond line",
            "PRIORITY=4",
            "SYSLOG_IDENTIFIER=inspectd",
            "LOGGER_LABEL=inspectd.watcher",
            "CODE_FILE=Daemon/Watcher.swift",
            "CODE_LINE=42",
            "CODE_FUNC=scan()",
            "INSPECTION_STATION=2",
            "META_MESSAGE=shadowed",
            "VERDICT_SCORE=0.93",
        ])
        #expect(fields.allSatisfy { Self.isValidJournalFieldName($0.name) })
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/run/systemd/journal/socket"),
                   "journald is not running here (no /run/systemd/journal/socket); sending not tested"))
    func sendsToJournald() {
        let fields = JournalLogHandler.fields(
            label: "inspectd.tests", identifier: "inspectd-tests", level: .debug, message: "journal send test",
            metadata: ["test.run": "\(UUID())"], file: #fileID, function: #function, line: #line)
        #expect(JournalLogHandler.send(fields) >= 0)
        var handler = JournalLogHandler(label: "inspectd.tests", identifier: "inspectd-tests", level: .debug)
        handler[metadataKey: "inspection.station"] = "test"
        Logger(label: "inspectd.tests") { _ in handler }.debug("journal handler test")
    }

    static func isValidJournalFieldName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first != "_", !("0"..."9").contains(first) else { return false }
        return name.count <= 64 && name.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
}
