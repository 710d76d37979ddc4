import Foundation
import Glibc
import Inspection
import Store

/// Runs the real `inspectd` binary on a temporary folder with a NOTIFY_SOCKET the test owns,
/// the fixture's tiny model, and a SQLite database the test reads back.
final class DaemonHarness: @unchecked Sendable {
    let root: URL
    let watch: URL
    let done: URL
    let database: String
    let configPath: String
    let notify: NotifyListener
    private(set) var process: Process?
    private var stderrPipe: Pipe?
    private var seed: UInt64 = 1

    /// Repository root (tests live in Tests/DaemonTests/...).
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The engine tests' own copy of clip-tiny, whatever INSPECTD_FIXTURES says: for tests whose
    /// expected outcome depends on that particular model (e.g. whether retraining improves it).
    static let bundledFixtures = repo.appendingPathComponent("Tests/EngineTests/Fixtures")

    /// The model fixture: INSPECTD_FIXTURES or the engine tests' copy.
    static var fixtures: URL {
        if let dir = ProcessInfo.processInfo.environment["INSPECTD_FIXTURES"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        return bundledFixtures
    }

    /// The fixture set this harness's daemon runs on.
    let fixtureDirectory: URL

    /// The `[model]` settings `fixtures` was generated with (manifest.json → config): input size,
    /// feature layers and the first dual-path block, as TOML lines.
    static func modelSettings(of fixtures: URL) throws -> String {
        let url = fixtures.appendingPathComponent("manifest.json")
        guard let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any],
              let config = root["config"] as? [String: Any],
              let size = (config["image_size"] as? NSNumber)?.intValue,
              let layers = (config["features_list"] as? [NSNumber])?.map(\.intValue),
              let dual = (config["dual_path_blocks_1based"] as? [NSNumber])?.map(\.intValue),
              let vision = (config["vision_layers"] as? NSNumber)?.intValue else {
            throw HarnessError("\(url.path) lacks config.image_size, features_list, dual_path_blocks_1based or vision_layers")
        }
        return """
            input_size = \(size)
            feature_layers = [\(layers.map(String.init).joined(separator: ", "))]
            dpam_first_block = \(dual.first ?? vision + 1)
            """
    }

    /// The built inspectd next to the test executable (INSPECTD_BINARY overrides, e.g. to
    /// measure a release build).
    static var binary: URL {
        if let override = ProcessInfo.processInfo.environment["INSPECTD_BINARY"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        let candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
                          Bundle.main.bundleURL, repo.appendingPathComponent(".build/debug")]
        for dir in candidates {
            let url = dir.appendingPathComponent("inspectd")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
            let up = dir.deletingLastPathComponent().appendingPathComponent("inspectd")
            if FileManager.default.isExecutableFile(atPath: up.path) { return up }
        }
        return repo.appendingPathComponent(".build/debug/inspectd")
    }

    /// A harness whose daemon watches a fresh temporary folder with the model of `fixtures`.
    init(after: String = "keep", recursive: Bool = true, fixtures: URL = DaemonHarness.fixtures) throws {
        fixtureDirectory = fixtures
        root = FileManager.default.temporaryDirectory.appendingPathComponent("inspectd-e2e-\(UUID().uuidString.prefix(8))")
        watch = root.appendingPathComponent("watch")
        done = root.appendingPathComponent("done")
        for dir in [watch, done, root.appendingPathComponent("db")] {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        database = root.appendingPathComponent("db/inspectd.db").path
        configPath = root.appendingPathComponent("inspectd.toml").path
        notify = try NotifyListener(path: root.appendingPathComponent("notify.sock").path)
        try writeConfig(after: after, recursive: recursive)
    }

    /// The `[model]` table's keys instead of the fixture's (e.g. a full-size checkpoint).
    var modelSection: String?

    func writeConfig(after: String = "keep", recursive: Bool = true, extra: String = "", top: String = "") throws {
        let fx = fixtureDirectory
        let move = after == "move" ? "move_to = \"\(done.path)\"\n" : ""
        let model = try modelSection ?? """
            path = "\(fx.appendingPathComponent("model-openclip.safetensors").path)"
            prompts = "\(fx.appendingPathComponent("prompts.safetensors").path)"
            \(Self.modelSettings(of: fx))
            """
        let text = """
            database = "\(database)"
            \(top)
            [model]
            \(model)
            [thresholds]
            review = 0.4
            fail = 0.6
            [[station]]
            name = "line1"
            folder = "\(watch.path)"
            recursive = \(recursive)
            after = "\(after)"
            \(move)\(extra)
            """
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Runs the real inspectctl next to inspectd against this harness's database (unless
    /// `database` is false, for verbs without `--db`); stdout and stderr together.
    func inspectctl(_ args: [String], database withDatabase: Bool = true) throws -> (status: Int32, text: String) {
        try Self.inspectctl(args + (withDatabase ? ["--db", database] : []))
    }

    /// Runs the real inspectctl with exactly `args` (TZ=UTC); stdout and stderr together.
    static func inspectctl(_ args: [String]) throws -> (status: Int32, text: String) {
        let p = Process()
        p.executableURL = binary.deletingLastPathComponent().appendingPathComponent("inspectctl")
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["TZ"] = "UTC"
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    /// Starts inspectd and waits for READY=1.
    func start(timeout: Double = 60, watchdogUsec: Int? = nil, environment extra: [String: String] = [:]) throws {
        let p = Process()
        p.executableURL = Self.binary
        p.arguments = ["--config", configPath, "--log-level", "warning"]
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = notify.path
        env.removeValue(forKey: "JOURNAL_STREAM")
        env.removeValue(forKey: "WATCHDOG_USEC")
        env.removeValue(forKey: "WATCHDOG_PID")
        if let watchdogUsec { env["WATCHDOG_USEC"] = "\(watchdogUsec)" }
        env.merge(extra) { $1 }
        p.environment = env
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        stderrPipe = err
        let mark = notify.count
        try p.run()
        process = p
        // This start's READY=1, not an earlier run's.
        guard notify.wait(for: "READY=1", after: mark, timeout: timeout) else {
            throw HarnessError("inspectd did not send READY=1 within \(timeout) s; stderr: \(stderrText())")
        }
    }

    func stderrText() -> String {
        guard let pipe = stderrPipe, process?.isRunning == false else { return "(running)" }
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    func signal(_ s: Int32) {
        if let pid = process?.processIdentifier { kill(pid, s) }
    }

    /// SIGKILL and reap.
    func kill9() {
        guard let p = process else { return }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        process = nil
    }

    /// SIGTERM and wait for the exit status.
    func stop(timeout: Double = 60) -> Int32? {
        guard let p = process else { return nil }
        kill(p.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        guard !p.isRunning else { return nil }
        process = nil
        return p.terminationStatus
    }

    // MARK: files

    /// A small distinct PNG (random texture) so every file has its own content hash.
    func pngBytes(side: Int = 24) throws -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: side * side * 3)
        for i in pixels.indices {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            pixels[i] = UInt8(truncatingIfNeeded: seed >> 56)
        }
        return try PNGEncoder.encodeRGB8(RGBImage(width: side, height: side, pixels: pixels))
    }

    /// Writes in place (open, write in two halves, close) — the watcher must wait for close.
    @discardableResult
    func writeInPlace(_ relative: String, _ bytes: [UInt8]) throws -> String {
        let url = watch.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw HarnessError("open \(url.path): errno \(errno)") }
        let half = bytes.count / 2
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, half) }
        usleep(2000)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress?.advanced(by: half), bytes.count - half) }
        close(fd)
        return url.path
    }

    /// Writes to a hidden temp name in the same folder, then renames into place atomically.
    @discardableResult
    func writeAtomically(_ relative: String, _ bytes: [UInt8]) throws -> String {
        let url = watch.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
        try Data(bytes).write(to: tmp)
        guard rename(tmp.path, url.path) == 0 else { throw HarnessError("rename: errno \(errno)") }
        return url.path
    }

    // MARK: database

    func records() throws -> [InspectionRecord] {
        guard FileManager.default.fileExists(atPath: database) else { return [] }
        return try VerdictStore.openReadOnly(path: database).records(VerdictFilter(newestFirst: false))
    }

    /// Waits until `count` rows are done or error; returns them.
    func waitForFinished(_ count: Int, timeout: Double) throws -> [InspectionRecord] {
        let deadline = Date().addingTimeInterval(timeout)
        var rows = [InspectionRecord]()
        while Date() < deadline {
            rows = (try? records()) ?? []
            if rows.filter({ $0.state == .done || $0.state == .error }).count >= count { return rows }
            usleep(100_000)
        }
        throw HarnessError("only \(rows.filter { $0.state == .done || $0.state == .error }.count) of \(count) rows finished in \(timeout) s")
    }

    deinit {
        if let p = process, p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        try? FileManager.default.removeItem(at: root)
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
