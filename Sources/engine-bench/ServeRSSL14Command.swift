import ArgumentParser
import Engine
import Foundation
import Inspection
import Store

/// `engine-bench serve_rss_l14`: the real `inspectd` (release build next to engine-bench)
/// serving a random fp16 ViT-L/14@336 checkpoint at 518 px with DPAM from block 20 and taps
/// 6/12/18/24, one station on learned prompts. It scores `--runs` 5 MP-sized PNGs; the line
/// reports the daemon's peak resident size (VmHWM of its /proc status, sampled until it exits)
/// against the issue's 1.6 GiB bound, its resident size while idle after the images, and the
/// per-image encode/score times the daemon recorded.
struct ServeRSSL14Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve_rss_l14",
        abstract: "Peak RSS of the real inspectd serving ViT-L/14@336 at 518 (DPAM 20), random fp16 weights.")

    @OptionGroup var options: BenchOptions

    @Option(help: "Width of the test images in pixels (height is 3/4 of it).")
    var imageWidth = 2560

    func run() throws {
        let a = CLIPArchitecture.vitL14at336
        let executable = RetrainLog.currentExecutable()
        let daemon = executable.deletingLastPathComponent().appendingPathComponent("inspectd")
        guard FileManager.default.isExecutableFile(atPath: daemon.path) else {
            throw ValidationError("serve_rss_l14 needs inspectd beside engine-bench: swift build -c release (looked for \(daemon.path))")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("engine-bench-serve-\(getpid())")
        let watch = folder.appendingPathComponent("watch")
        try FileManager.default.createDirectory(at: watch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = folder.appendingPathComponent("model.safetensors").path
        let writer = Process()
        writer.executableURL = executable
        writer.arguments = ["startup_l14", "--write-checkpoint", checkpoint]
        try writer.run()
        writer.waitUntilExit()
        guard writer.terminationStatus == 0 else { throw ValidationError("writing the checkpoint failed") }
        let promptsPath = folder.appendingPathComponent("prompts.safetensors").path
        let prompts = try LearnedPrompts.random(contextLength: 12, deepPromptCount: 8, deepPromptLength: 4,
                                                width: a.textWidth, seed: 3)
        try Data(try prompts.serialized()).write(to: URL(fileURLWithPath: promptsPath))
        let database = folder.appendingPathComponent("inspectd.db").path
        let configPath = folder.appendingPathComponent("inspectd.toml").path
        try BenchDaemonConfig(database: database, checkpoint: checkpoint, prompts: promptsPath, dpamFirstBlock: 20,
                              watch: watch.path, stationLines: "after = \"keep\"").write(to: configPath)

        let images = options.runs(default: 3)
        let process = Process()
        process.executableURL = daemon
        process.arguments = ["--config", configPath, "--log-level", "warning"]
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "NOTIFY_SOCKET")
        process.environment = environment
        let started = BenchSupport.now()
        try process.run()
        let pid = process.processIdentifier
        var idleRSS = 0.0
        var rows = [InspectionRecord]()
        do {
            try writeImages(images, into: watch)
            let deadline = started + 600
            while BenchSupport.now() < deadline {
                guard process.isRunning else { throw ValidationError("inspectd exited with status \(process.terminationStatus)") }
                rows = (try? VerdictStore.openReadOnly(path: database).records(VerdictFilter(newestFirst: false))) ?? []
                if rows.filter({ $0.state == .done || $0.state == .error }).count >= images { break }
                usleep(200_000)
            }
            sleep(1)
            idleRSS = Self.status(pid: pid, field: "VmRSS")
        } catch {
            kill(pid, SIGKILL)
            process.waitUntilExit()
            throw error
        }
        let peak = Self.status(pid: pid, field: "VmHWM")
        let elapsed = BenchSupport.now() - started
        kill(pid, SIGTERM)
        process.waitUntilExit()
        let done = rows.filter { $0.state == .done }
        guard done.count == images else {
            throw ValidationError("only \(done.count) of \(images) images were scored: \(rows.map { "\($0.state)" })")
        }
        let encode = done.compactMap(\.encodeMs)
        let score = done.compactMap(\.scoreMs)
        let row: [String: Any] = [
            "model": "serve_rss_l14", "images": images, "image_size": "\(imageWidth)x\(imageWidth * 3 / 4)",
            "input_size": 518, "dpam_first_block": 20,
            "peak_rss_mb": BenchSupport.round3(peak / 1024), "peak_rss_gib": BenchSupport.round3(peak / 1024 / 1024),
            "bound_gib": 1.6, "idle_rss_mb": BenchSupport.round3(idleRSS / 1024),
            "median_encode_ms": BenchSupport.round3(BenchSupport.median(encode)),
            "median_score_ms": BenchSupport.round3(BenchSupport.median(score)),
            "start_to_last_verdict_s": BenchSupport.round3(elapsed),
            "load_average_1m": BenchSupport.loadAverage(),
        ]
        BenchSupport.emit(BenchSupport.jsonLine(row))
    }

    /// Noise PNGs of `imageWidth`×3/4, each written as a hidden .tmp and renamed into place.
    private func writeImages(_ count: Int, into watch: URL) throws {
        let height = imageWidth * 3 / 4
        var bits = RandomWeights(seed: 17)
        var pixels = [UInt8](repeating: 0, count: 3 * imageWidth * height)
        for i in 0..<count {
            for p in stride(from: 0, to: pixels.count, by: 97) { pixels[p] = UInt8(truncatingIfNeeded: Int(bits.normal() * 40) + 128) }
            let png = try PNGEncoder.encodeRGB8(RGBImage(width: imageWidth, height: height, pixels: pixels))
            let hidden = watch.appendingPathComponent(".part\(i).tmp")
            try Data(png).write(to: hidden)
            try FileManager.default.moveItem(at: hidden, to: watch.appendingPathComponent("part\(i).png"))
        }
    }

    /// A kB field of /proc/PID/status (0 when unreadable).
    static func status(pid: Int32, field: String) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let digits = line.dropFirst(field.count + 1).filter { $0.isNumber }
            return Double(String(digits)) ?? 0
        }
        return 0
    }
}
