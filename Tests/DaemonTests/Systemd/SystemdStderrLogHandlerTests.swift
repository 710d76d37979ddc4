@testable import Daemon
import Foundation
import Logging
import Testing

@Suite struct SystemdStderrLogHandlerTests {
    /// 2025-03-01T08:15:02.125Z
    static let moment = Date(timeIntervalSince1970: 1_740_816_902.125)

    @Test func formatsOneLineWithSortedMetadata() {
        let line = StderrLogHandler.format(
            timestamp: Self.moment, level: .warning, label: "inspectd.watcher", message: "low score",
            metadata: ["verdict.score": "0.93", "inspection.station": .stringConvertible(2)])
        #expect(line == "2025-03-01T08:15:02.125Z warning [inspectd.watcher] low score inspection.station=2 verdict.score=0.93\n")
    }

    @Test func keepsEveryRecordOnOneLine() {
        let line = StderrLogHandler.format(
            timestamp: Self.moment, level: .error, label: "inspectd", message: "decode failed:\n\tbad marker",
            metadata: ["file": "/srv/camera/a b.jpg", "reason": "line1\nline2", "empty": "", "quote": "say \"hi\""])
        #expect(line == "2025-03-01T08:15:02.125Z error [inspectd] decode failed:\\n\\tbad marker"
            + " empty=\"\" file=\"/srv/camera/a b.jpg\" quote=\"say \\\"hi\\\"\" reason=\"line1\\nline2\"\n")
        #expect(line.filter { $0 == "\n" }.count == 1)
    }

    @Test func rendersNestedMetadata() {
        let line = StderrLogHandler.format(
            timestamp: Self.moment, level: .info, label: "l", message: "m",
            metadata: ["scores": .array(["0.1", "0.2"])])
        // swift-log renders arrays as `["0.1", "0.2"]`; the quotes are escaped inside ours.
        #expect(line.hasSuffix(#" m scores="[\"0.1\", \"0.2\"]""# + "\n"))
    }

    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00.000Z"),
        (1_740_816_902.125, "2025-03-01T08:15:02.125Z"),
        (951_782_400.999, "2000-02-29T00:00:00.999Z"),
        (1_767_225_599.5, "2025-12-31T23:59:59.500Z"),
        (1_767_225_599.9996, "2026-01-01T00:00:00.000Z"),
        (-0.25, "1969-12-31T23:59:59.750Z"),
    ])
    func utcTimestamps(seconds: Double, expected: String) {
        #expect(StderrLogHandler.utcTimestamp(Date(timeIntervalSince1970: seconds)) == expected)
    }
}
