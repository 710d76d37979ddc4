import ArgumentParser
import Engine
import Foundation

/// The parent: sgemm rate, idle inspection latency, then the worker trains beside three more
/// inspections; one JSON line with seconds per epoch and the latency ratio.
struct RetrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrain",
        abstract: "Background prompt retraining beside ViT-L/14 inspections at 518 (child process at idle priority).")

    func run() throws {
        let status = Self.benchmark()
        if status != 0 { throw ExitCode(status) }
    }

    static func benchmark() -> Int32 {
        func fail(_ message: String) -> Int32 {
            print("engine-bench retrain: \(message)")
            return 1
        }
        let a = RetrainSetup.architecture
        let size = RetrainSetup.inputSize
        BenchSupport.emit("engine-bench retrain: OpenBLAS threads \(BLAS.threads), \(ProcessInfo.processInfo.activeProcessorCount) CPUs")
        let loadAtStart = BenchSupport.loadAverage()

        var rng = RandomWeights(seed: 1234)
        let tower = rng.visionTower(a)
        let encoder: ImageEncoder
        do {
            encoder = try ImageEncoder(tower: tower, inputHeight: size, inputWidth: size, taps: RetrainSetup.taps,
                                       dualPath: .anomalyCLIP(dpamLayer: RetrainSetup.dpamLayer, layers: a.visionLayers))
        } catch {
            return fail("\(error)")
        }
        let n = encoder.tokenCount
        let sgemm = SgemmProbe(m: n, n: a.visionMLPWidth, k: a.visionWidth).measure().openBLAS
        let pixels = (0..<(3 * size * size)).map { _ in rng.normal() }
        func inspect() -> Double? {
            let start = BenchSupport.now()
            guard let out = try? encoder.encode(pixels), out.imageEmbedding.allSatisfy(\.isFinite) else { return nil }
            return BenchSupport.now() - start
        }
        guard inspect() != nil else { return fail("encode failed") }   // warm-up
        var idle = [Double]()
        for _ in 0..<RetrainSetup.inspectionRuns {
            guard let t = inspect() else { return fail("encode failed") }
            idle.append(t)
        }
        BenchSupport.emit(String(format: "idle inspection: median %.3f s %@", BenchSupport.median(idle), idle.map { BenchSupport.round3($0) }.description))

        let child = Process()
        child.executableURL = RetrainLog.currentExecutable()
        child.arguments = ["retrain-worker"]
        let pipe = Pipe()
        child.standardOutput = pipe
        do {
            try child.run()
        } catch {
            return fail("cannot start the worker \(child.executableURL?.path ?? ""): \(error)")
        }
        let collector = LineCollector(pipe.fileHandleForReading)
        func stopChild() {
            if child.isRunning { child.terminate() }
            child.waitUntilExit()
        }
        guard collector.wait(timeout: 1200, until: { !RetrainLog.epochLines($0).isEmpty }) else {
            stopChild()
            return fail("the worker produced no epoch (lines: \(collector.snapshot))")
        }
        var during = [Double]()
        let windowStart = BenchSupport.now()
        for _ in 0..<RetrainSetup.inspectionRuns {
            guard let t = inspect() else {
                stopChild()
                return fail("encode failed")
            }
            during.append(t)
        }
        let windowEnd = BenchSupport.now()
        BenchSupport.emit(String(format: "inspection during training: median %.3f s %@", BenchSupport.median(during),
                    during.map { BenchSupport.round3($0) }.description))
        // Two epochs that start after the inspections, so the worker's own speed is measured too
        // (during the inspections SCHED_IDLE starves it, as intended).
        guard collector.wait(timeout: 1200, until: { lines in
            RetrainLog.epochLines(lines).filter { (RetrainLog.epochSpan($0)?.lowerBound ?? 0) > windowEnd }.count >= 2
        }) else {
            stopChild()
            return fail("the worker stopped early (lines: \(collector.snapshot))")
        }
        child.terminate()
        child.waitUntilExit()
        _ = collector.waitForEnd(timeout: 60)
        let lines = collector.snapshot
        let epochs = RetrainLog.epochLines(lines)
        let seconds = epochs.compactMap { ($0["seconds"] as? NSNumber)?.doubleValue }
        let window = windowStart...windowEnd
        let alone = epochs.filter { RetrainLog.epochSpan($0).map { !$0.overlaps(window) } ?? false }
            .compactMap { ($0["seconds"] as? NSNumber)?.doubleValue }
        let overlapping = epochs.filter { RetrainLog.epochSpan($0).map { $0.overlaps(window) } ?? false }
            .compactMap { ($0["seconds"] as? NSNumber)?.doubleValue }
        let losses = epochs.compactMap { ($0["mean_loss"] as? NSNumber)?.doubleValue }
        let ready = lines.compactMap(RetrainLog.parseJSON).first { $0["worker"] as? String == "ready" }
        let stopped = lines.compactMap(RetrainLog.parseJSON).contains { $0["worker"] as? String == "stopped" }
        let row: [String: Any] = [
            "model": "retrain_vitl14_336_text_16img_at518",
            "images": RetrainSetup.images, "batch_size": RetrainSetup.batchSize,
            "prompts": "n=12, 8 deep x 4 tokens, width \(a.textWidth)",
            "seconds_per_epoch": BenchSupport.round3(BenchSupport.median(seconds)),
            "epochs": epochs.count,
            "epoch_seconds": seconds.map(BenchSupport.round3),
            "seconds_per_epoch_alone": BenchSupport.round3(alone.isEmpty ? 0 : BenchSupport.median(alone)),
            "epochs_alone": alone.count,
            "seconds_per_epoch_beside_inspection": BenchSupport.round3(overlapping.isEmpty ? 0 : BenchSupport.median(overlapping)),
            "mean_loss_first": losses.first.map { BenchSupport.round3($0) } ?? 0,
            "mean_loss_last": losses.last.map { BenchSupport.round3($0) } ?? 0,
            "inspection_input": size, "inspection_tokens": n, "inspection_taps": RetrainSetup.taps,
            "inspection_idle_median_s": BenchSupport.round3(BenchSupport.median(idle)),
            "inspection_during_training_median_s": BenchSupport.round3(BenchSupport.median(during)),
            "ratio": BenchSupport.round3(BenchSupport.median(during) / BenchSupport.median(idle)),
            "sgemm_shape": "\(n)x\(a.visionMLPWidth)x\(a.visionWidth)",
            "sgemm_gflops": BenchSupport.round3(sgemm),
            "blas_threads": BLAS.threads,
            "worker_priority": ready?["priority"] as? String ?? "unknown",
            "worker_blas_threads": ready?["blas_threads"] as? Int ?? 0,
            "worker_setup_s": ready?["setup_s"] as? Double ?? 0,
            "worker_stopped_cleanly": stopped && child.terminationStatus == 0,
            "cpus": ProcessInfo.processInfo.activeProcessorCount,
            "load_average_1m_start": loadAtStart, "load_average_1m_end": BenchSupport.loadAverage(),
        ]
        BenchSupport.emit(BenchSupport.jsonLine(row))
        return 0
    }
}
