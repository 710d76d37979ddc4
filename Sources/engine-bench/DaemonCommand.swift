import ArgumentParser
import Engine
import Foundation
import Glibc
import Inspection
import Store

/// `engine-bench daemon`: the real release `inspectd` on a random full-size ViT-L/14@336
/// checkpoint run at 518 px with DPAM from block 6 (AnomalyCLIP's setting, as the
/// `vitl14_336_at518_dpam20` case), with a watchdog armed and `--labels` labels to fit at
/// start-up. Measures the time to READY=1, the longest gap between WATCHDOG=1 datagrams from
/// READY until the background few-shot fit is done, and the verdict latency of images dropped
/// while the fit runs. One JSON line per measure, with the same-run sgemm rate.
struct DaemonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Real inspectd on a full-size ViT-L/14@336 at 518: READY=1, watchdog gaps and verdict latency during a refit.")

    @Option(help: "Labels the daemon fits at start-up (half good, half defect).")
    var labels: Int = 32

    @Option(help: "Images dropped one after another while the fit runs.")
    var images: Int = 3

    @Option(help: "WATCHDOG_USEC given to the daemon, in seconds (pings must come at half of it).")
    var watchdogSec: Double = 10

    @Option(help: "Give up waiting for the fit after this many seconds.")
    var timeout: Double = 7200

    @Option(help: "Work folder (default: a temporary one, deleted afterwards).")
    var workDir: String?

    func run() throws {
        let a = CLIPArchitecture.vitL14at336
        let root = URL(fileURLWithPath: workDir ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("engine-bench-daemon-\(getpid())").path)
        let watch = root.appendingPathComponent("watch"), labelled = root.appendingPathComponent("labelled")
        for dir in [watch, labelled, root.appendingPathComponent("model")] {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        defer { if workDir == nil { try? FileManager.default.removeItem(at: root) } }
        let checkpoint = root.appendingPathComponent("model/model.safetensors").path
        try RandomCheckpointFile.write(a, to: checkpoint)
        let database = root.appendingPathComponent("inspectd.db").path
        let config = root.appendingPathComponent("inspectd.toml").path
        try BenchDaemonConfig(database: database, checkpoint: checkpoint, prompts: nil, dpamFirstBlock: 6,
                              watch: watch.path, preamble: "[retrain]\nenabled = false\n").write(to: config)
        var pixels = PixelSource(seed: 11)
        let store = try VerdictStore.openForWriting(path: database)
        for i in 0..<labels {
            let path = labelled.appendingPathComponent("label-\(i).png").path
            try Data(try pixels.png(side: a.imageSize)).write(to: URL(fileURLWithPath: path))
            try store.addLabel(path: path, contentHash: try ContentHash.sha256(file: path), station: "line1",
                               kind: i % 2 == 0 ? .good : .defect, defectClass: nil, note: nil, mask: nil,
                               author: "engine-bench", source: "cli", at: Date().timeIntervalSince1970)
        }

        let notify = try NotifyRecorder(path: root.appendingPathComponent("notify.sock").path)
        defer { notify.stop() }
        let daemon = Process()
        daemon.executableURL = RetrainLog.currentExecutable().deletingLastPathComponent().appendingPathComponent("inspectd")
        daemon.arguments = ["--config", config, "--log-level", "notice"]
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = notify.path
        env["WATCHDOG_USEC"] = "\(Int(watchdogSec * 1_000_000))"
        env.removeValue(forKey: "WATCHDOG_PID")
        daemon.environment = env
        let started = NotifyRecorder.monotonic()
        try daemon.run()
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        guard let ready = notify.wait(for: "READY=1", timeout: 900) else {
            throw BenchFailure("inspectd sent no READY=1 within 900 s")
        }

        var latencies = [Double]()
        for i in 0..<images {
            guard try store.fewShotFit(station: "line1")?.state == .running else { break }
            let name = "during-fit-\(i).png"
            try Data(try pixels.png(side: a.imageSize)).write(to: watch.appendingPathComponent(name))
            let dropped = NotifyRecorder.monotonic()
            try waitForVerdict(store, name: name, deadline: dropped + timeout)
            latencies.append(NotifyRecorder.monotonic() - dropped)
        }
        let deadline = NotifyRecorder.monotonic() + timeout
        while try store.fewShotFit(station: "line1")?.state == .running, NotifyRecorder.monotonic() < deadline {
            usleep(200_000)
        }
        let fit = try store.fewShotFit(station: "line1")
        let fitDone = NotifyRecorder.monotonic()
        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()

        let pings = notify.messages.filter { $0.line == "WATCHDOG=1" && $0.time >= ready && $0.time <= fitDone }.map(\.time)
        let edges = [ready] + pings + [fitDone]
        let longest = zip(edges, edges.dropFirst()).map { $1 - $0 }.max() ?? 0
        let sgemm = SgemmProbe(m: 1370, n: a.visionMLPWidth, k: a.visionWidth).measure(batches: 3)
        let common: [String: Any] = [
            "model": "vitl14_336_at518_dpam6", "labels": labels, "watchdog_sec": watchdogSec,
            "sgemm_shape": sgemm.shape, "sgemm_gflops": BenchSupport.round3(sgemm.openBLAS),
            "threads": BLAS.threads, "load_average_1m": BenchSupport.loadAverage(),
        ]
        func emit(_ fields: [String: Any]) { BenchSupport.emit(BenchSupport.jsonLine(common.merging(fields) { $1 })) }
        emit(["case": "daemon_ready", "seconds": BenchSupport.round3(ready - started)])
        emit(["case": "daemon_watchdog", "longest_gap_s": BenchSupport.round3(longest), "pings": pings.count,
              "limit_s": watchdogSec / 2, "fit_state": fit?.state.rawValue ?? "none",
              "fit_seconds": BenchSupport.round3(fitDone - ready), "fit_done_images": fit?.doneImages ?? 0])
        emit(["case": "daemon_verdict_latency_during_fit", "runs": latencies.count,
              "median_s": BenchSupport.round3(BenchSupport.median(latencies)),
              "max_s": BenchSupport.round3(latencies.max() ?? 0)])
    }

    private func waitForVerdict(_ store: VerdictStore, name: String, deadline: Double) throws {
        while NotifyRecorder.monotonic() < deadline {
            let rows = try store.records(VerdictFilter(newestFirst: true))
            if rows.contains(where: { $0.path.hasSuffix("/" + name) && ($0.state == .done || $0.state == .error) }) { return }
            usleep(100_000)
        }
        throw BenchFailure("no verdict for \(name) in time")
    }
}
