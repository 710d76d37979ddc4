import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Checks the files in systemd/ with systemd's own tools (Debian package `systemd`). Each test
/// is skipped, with the reason recorded, when the tool it needs is not installed.
@Suite struct SystemdUnitFileTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Systemd
        .deletingLastPathComponent()  // DaemonTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()
    static let unitDirectory = repositoryRoot.appendingPathComponent("systemd", isDirectory: true)

    static func tool(_ name: String) -> String? {
        ["/usr/bin/\(name)", "/bin/\(name)", "/usr/local/bin/\(name)"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static let analyze = tool("systemd-analyze")
    static let sysusers = tool("systemd-sysusers")
    static let tmpfiles = tool("systemd-tmpfiles")

    /// `systemd-analyze security --offline` needs systemd 252 or newer.
    static let analyzeSupportsOffline: Bool = {
        guard let analyze, let output = try? run(analyze, ["--version"]).output,
              let version = output.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return false }
        return version >= 252
    }()

    struct Result {
        let status: Int32
        let output: String
    }

    static func run(_ executable: String, _ arguments: [String], stdin: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        if let stdin { process.standardInput = try FileHandle(forReadingFrom: stdin) }
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// A scratch directory holding inspectd.service with ExecStart pointing at an executable that
    /// exists here (verify rejects a unit whose binary is missing); the rest is unchanged.
    static func stagedUnit() throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("inspectd-unit-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let original = try String(contentsOf: unitDirectory.appendingPathComponent("inspectd.service"), encoding: .utf8)
        let stand_in = tool("true") ?? "/bin/true"
        let lines = original.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            line.hasPrefix("ExecStart=/usr/local/bin/inspectd ")
                ? "ExecStart=\(stand_in) " + line.dropFirst("ExecStart=/usr/local/bin/inspectd ".count)
                : String(line)
        }
        #expect(lines.contains { $0.hasPrefix("ExecStart=\(stand_in) --config /etc/inspectd/inspectd.toml") })
        let unit = directory.appendingPathComponent("inspectd.service")
        try lines.joined(separator: "\n").write(to: unit, atomically: true, encoding: .utf8)
        return unit
    }

    @Test(.enabled(if: analyze != nil, "systemd-analyze not installed (Debian package: systemd)"))
    func unitPassesVerify() throws {
        let unit = try Self.stagedUnit()
        defer { try? FileManager.default.removeItem(at: unit.deletingLastPathComponent()) }
        let result = try Self.run(try #require(Self.analyze), ["verify", unit.path])
        #expect(result.status == 0, "systemd-analyze verify failed:\n\(result.output)")
        for line in result.output.split(separator: "\n") {
            // Messages about other units on the host are not ours to fix; about ours, nothing is acceptable.
            let aboutUs = line.contains("inspectd")
            let unknown = line.localizedCaseInsensitiveContains("unknown")
                || line.localizedCaseInsensitiveContains("ignoring")
            #expect(!aboutUs && !unknown, "systemd-analyze verify: \(line)")
        }
    }

    @Test(.enabled(if: analyzeSupportsOffline, "systemd-analyze security --offline needs systemd >= 252"))
    func unitExposureIsLow() throws {
        let unit = try Self.stagedUnit()
        defer { try? FileManager.default.removeItem(at: unit.deletingLastPathComponent()) }
        let result = try Self.run(try #require(Self.analyze), ["security", "--offline=true", "--no-pager", unit.path])
        #expect(result.status == 0, "\(result.output)")
        let summary = try #require(result.output.split(separator: "\n").last { $0.contains("Overall exposure level") })
        let score = try #require(summary.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) })
        // 0.3 "SAFE" with systemd 252; leave room for checks newer versions add, but anything
        // above 2.0 means a hardening line was lost.
        #expect(score <= 2.0, "\(summary)")
    }

    @Test(.enabled(if: sysusers != nil, "systemd-sysusers not installed (Debian package: systemd)"))
    func sysusersCreatesServiceAccount() throws {
        let root = try Self.scratchRoot()
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try Self.run(try #require(Self.sysusers), ["--root=\(root.path)", "-"],
                                  stdin: Self.unitDirectory.appendingPathComponent("inspectd.sysusers"))
        #expect(result.status == 0, "\(result.output)")
        let passwd = try String(contentsOf: root.appendingPathComponent("etc/passwd"), encoding: .utf8)
        let entry = try #require(passwd.split(separator: "\n").first { $0.hasPrefix("inspectd:") })
        let fields = entry.split(separator: ":", omittingEmptySubsequences: false)
        #expect(fields.count == 7)
        #expect(fields.dropFirst(4).first == "inspectd image inspection daemon")
        #expect(fields.dropFirst(5).first == "/var/lib/inspectd")
        let group = try String(contentsOf: root.appendingPathComponent("etc/group"), encoding: .utf8)
        #expect(group.split(separator: "\n").contains { $0.hasPrefix("inspectd:") })
    }

    /// tmpfiles chowns what it creates, which only root may do.
    @Test(.enabled(if: sysusers != nil && tmpfiles != nil && geteuid() == 0,
                   "needs root and systemd-sysusers/systemd-tmpfiles (Debian package: systemd)"))
    func tmpfilesCreatesDirectories() throws {
        let root = try Self.scratchRoot()
        defer { try? FileManager.default.removeItem(at: root) }
        let users = try Self.run(try #require(Self.sysusers), ["--root=\(root.path)", "-"],
                                 stdin: Self.unitDirectory.appendingPathComponent("inspectd.sysusers"))
        try #require(users.status == 0, "\(users.output)")
        let result = try Self.run(try #require(Self.tmpfiles), ["--root=\(root.path)", "--create", "-"],
                                  stdin: Self.unitDirectory.appendingPathComponent("inspectd.tmpfiles"))
        #expect(result.status == 0, "\(result.output)")

        let passwd = try String(contentsOf: root.appendingPathComponent("etc/passwd"), encoding: .utf8)
        let entry = try #require(passwd.split(separator: "\n").first { $0.hasPrefix("inspectd:") })
        let uid = try #require(entry.split(separator: ":").dropFirst(2).first.flatMap { UInt32($0) })
        let expected: [(String, mode_t, UInt32)] = [
            ("var/lib/inspectd", 0o750, uid), ("var/lib/inspectd/models", 0o750, uid),
            ("etc/inspectd", 0o755, 0), ("srv/camera", 0o2770, uid),
        ]
        for (path, mode, owner) in expected {
            var info = stat()
            try #require(stat(root.appendingPathComponent(path).path, &info) == 0, "\(path) missing")
            #expect(info.st_mode & 0o7777 == mode, "\(path): mode \(String(info.st_mode & 0o7777, radix: 8))")
            #expect(info.st_uid == owner, "\(path): owner \(info.st_uid)")
        }
    }

    static func scratchRoot() throws -> URL {
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("inspectd-root-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("etc"), withIntermediateDirectories: true)
        return root
    }
}
