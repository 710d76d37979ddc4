import Daemon
import Engine
import Foundation
import Inspection

// engine-bench: image-encoder latency of real CLIP architectures with random weights, next to
// this machine's own sgemm rate for the dominant GEMM shape, measured in the same run.
// Also: decode + preprocess of a 5 MP camera JPEG to 518x518 (the per-image work before the model).
// Usage: swift run -c release engine-bench [--runs N] [--only vitb16|vitl14|decode]
//        swift run -c release engine-bench retrain
// `retrain`: background prompt retraining (ViT-L/14@336 text tower, 16 images at 518) in a
// child process at idle priority, its seconds per epoch, and the inspection latency beside it.
// (`retrain-worker` is that child; it is not meant to be run by hand.)

struct BenchCase {
    let name: String
    let architecture: CLIPArchitecture
    let inputSize: Int
    let taps: [Int]
    let dpamLayer: Int?
}

struct Options {
    var runs = 5
    var only: String?

    init(_ args: [String]) {
        var i = 0
        while i < args.count {
            switch args[i] {
            case "--runs" where i + 1 < args.count:
                runs = max(1, Int(args[i + 1]) ?? 5)
                i += 1
            case "--only" where i + 1 < args.count:
                only = args[i + 1]
                i += 1
            default:
                FileHandle.standardError.write(Data("engine-bench: ignoring unknown argument \(args[i])\n".utf8))
            }
            i += 1
        }
    }
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// sgemm GFLOP/s for C[m,n] = A[m,k] B[n,k]^T (the layout our linear layers use), median of 5
/// timed batches of at least 0.3 s each.
func sgemmRate(m: Int, n: Int, k: Int) -> Double {
    var rng = RandomWeights(seed: 7)
    let a = rng.tensor([m, k], std: 1)
    let b = rng.tensor([n, k], std: 1)
    let c = Tensor(zeros: [m, n])
    let flops = 2 * Double(m) * Double(n) * Double(k)
    BLAS.gemm(transB: true, m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: k, c: c.pointer, ldc: n)
    var rates = [Double]()
    for _ in 0..<5 {
        var calls = 0
        let start = now()
        var elapsed = 0.0
        repeat {
            BLAS.gemm(transB: true, m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: k, c: c.pointer, ldc: n)
            calls += 1
            elapsed = now() - start
        } while elapsed < 0.3
        rates.append(flops * Double(calls) / elapsed / 1e9)
    }
    return median(rates)
}

func jsonLine(_ dict: [String: Any]) -> String {
    guard let data = try? JSONSerialization.data(withJSONObject: dict, options: [.sortedKeys]),
          let text = String(data: data, encoding: .utf8) else { return "{}" }
    return text
}

func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }

switch CommandLine.arguments.dropFirst().first {
case "retrain": exit(runRetrainBenchmark())
case "retrain-worker": exit(runRetrainWorker())
default: break
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let cases = [
    BenchCase(name: "vitb16", architecture: .vitB16, inputSize: 224, taps: [], dpamLayer: nil),
    BenchCase(name: "vitl14_336_at518_dpam20", architecture: .vitL14at336, inputSize: 518, taps: [6, 12, 18, 24],
              dpamLayer: 20),
].filter { options.only == nil || $0.name.hasPrefix(options.only ?? "") }

var results = [[String: Any]]()
print("engine-bench: \(options.runs) timed runs per model after one warm-up, OpenBLAS threads \(BLAS.threads)")
for bench in cases {
    let a = bench.architecture
    var rng = RandomWeights(seed: 1234)
    let loadStart = now()
    let tower = rng.visionTower(a)
    let buildSeconds = now() - loadStart
    let dual = bench.dpamLayer.map { DualPathSetting.anomalyCLIP(dpamLayer: $0, layers: a.visionLayers) }
    let encoder: ImageEncoder
    do {
        encoder = try ImageEncoder(tower: tower, inputHeight: bench.inputSize, inputWidth: bench.inputSize,
                                   taps: bench.taps, dualPath: dual)
    } catch {
        print("engine-bench: \(bench.name): \(error)")
        exit(1)
    }
    let pixels = (0..<(3 * bench.inputSize * bench.inputSize)).map { _ in rng.normal() }
    var times = [Double]()
    var checksum: Float = 0
    for run in 0...options.runs {
        let start = now()
        guard let out = try? encoder.encode(pixels) else {
            print("engine-bench: \(bench.name): encode failed")
            exit(1)
        }
        let t = now() - start
        if run > 0 { times.append(t) }
        checksum = out.imageEmbedding.reduce(0, +)
        guard checksum.isFinite else {
            print("engine-bench: \(bench.name): non-finite output")
            exit(1)
        }
    }
    let flops = encoder.flopCount
    let med = median(times)
    let achieved = flops / med / 1e9
    let n = encoder.tokenCount
    let sgemm = sgemmRate(m: n, n: a.visionMLPWidth, k: a.visionWidth)
    let row: [String: Any] = [
        "model": bench.name,
        "input": bench.inputSize,
        "tokens": n,
        "dpam_first_block": dual?.firstBlock ?? 0,
        "taps": bench.taps,
        "runs": times.count,
        "median_s": round3(med), "min_s": round3(times.min() ?? 0), "max_s": round3(times.max() ?? 0),
        "gflop": round3(flops / 1e9),
        "gflops_achieved": round3(achieved),
        "sgemm_shape": "\(n)x\(a.visionMLPWidth)x\(a.visionWidth)",
        "sgemm_gflops": round3(sgemm),
        "fraction_of_sgemm": round3(achieved / sgemm),
        "weights_build_s": round3(buildSeconds),
        "peak_rss_mb": round3(peakRSSMegabytes()),
    ]
    print(String(format: "%@: input %d, %d tokens, %.2f GFLOP/forward: median %.3f s (min %.3f, max %.3f) = %.1f GFLOP/s; sgemm %@ = %.1f GFLOP/s -> %.0f%%; peak RSS %.0f MB",
                 bench.name, bench.inputSize, n, flops / 1e9, med, times.min() ?? 0, times.max() ?? 0, achieved,
                 "\(n)x\(a.visionMLPWidth)x\(a.visionWidth)", sgemm, 100 * achieved / sgemm, peakRSSMegabytes()))
    print(jsonLine(row))
    results.append(row)
}
if options.only == nil || "decode".hasPrefix(options.only ?? "") {
    if let row = decodeBenchmark(runs: max(options.runs, 5)) {
        print(String(format: "decode+preprocess %@: median %.1f ms (min %.1f, max %.1f); decode %.1f ms, preprocess %.1f ms",
                     row["frame"] as? String ?? "", row["median_ms"] as? Double ?? 0, row["min_ms"] as? Double ?? 0,
                     row["max_ms"] as? Double ?? 0, row["decode_median_ms"] as? Double ?? 0,
                     row["preprocess_median_ms"] as? Double ?? 0))
        print(jsonLine(row))
        results.append(row)
    }
}
print(jsonLine(["engine_bench": results, "blas_threads": BLAS.threads, "cpus": ProcessInfo.processInfo.activeProcessorCount]))

/// Decode + preprocess of a synthetic 2448x2048 camera frame (JPEG q92, textured so the
/// entropy decoder has real work) to 518x518 squash, median over `runs`.
func decodeBenchmark(runs: Int) -> [String: Any]? {
    let (w, h) = (2448, 2048)
    var rng = RandomWeights(seed: 42)
    var pixels = [UInt8](repeating: 0, count: w * h * 3)
    for y in 0..<h {
        for x in 0..<w {
            let i = 3 * (y * w + x)
            let n = rng.normal() * 12
            pixels[i] = UInt8(clamping: Int(Float(x % 512) / 2 + n))
            pixels[i + 1] = UInt8(clamping: Int(Float(y % 384) / 1.5 + n))
            pixels[i + 2] = UInt8(clamping: Int(128 + 60 * sinf(Float(x + y) / 37) + n))
        }
    }
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("engine-bench-5mp.jpg").path
    do {
        let jpeg = try JPEGEncoder.encodeRGB8(RGBImage(width: w, height: h, pixels: pixels), quality: 92)
        try Data(jpeg).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let decoder = ImageDecoder()
        let preprocessor = try Preprocessor(inputSize: 518, mode: .squash)
        var totals = [Double](), decodes = [Double](), preps = [Double]()
        for run in 0...runs {
            let t0 = now()
            let image = try decoder.decode(file: path).image
            let t1 = now()
            let input = preprocessor(image)
            let t2 = now()
            guard input.pixels.count == 3 * 518 * 518 else { return nil }
            if run > 0 {
                totals.append((t2 - t0) * 1000)
                decodes.append((t1 - t0) * 1000)
                preps.append((t2 - t1) * 1000)
            }
        }
        return ["model": "decode_preprocess", "frame": "\(w)x\(h) JPEG q92 (\(jpeg.count / 1024) KiB) -> 518x518 squash",
                "runs": totals.count, "median_ms": round3(median(totals)), "min_ms": round3(totals.min() ?? 0),
                "max_ms": round3(totals.max() ?? 0), "decode_median_ms": round3(median(decodes)),
                "preprocess_median_ms": round3(median(preps))]
    } catch {
        print("engine-bench: decode benchmark failed: \(error)")
        return nil
    }
}

// MARK: - retrain

/// The retraining acceptance setup shared by the parent and the worker, so both build the same
/// model shapes and batches.
enum RetrainSetup {
    static let architecture = CLIPArchitecture.vitL14at336
    static let inputSize = 518
    static let taps = [6, 12, 18, 24]
    static let dpamLayer = 20
    static let images = 16
    static let batchSize = 8
    static let inspectionRuns = 3

    /// The frozen image side of 16 labelled images (even index good, odd defect with a
    /// rectangle), as encoding them with the ViT-L image tower at 518 would give in shape.
    static func batches() -> [(batch: AnomalyCLIPLoss.Batch, loss: AnomalyCLIPLoss)] {
        let e = architecture.embedDim
        let grid = inputSize / architecture.patchSize
        let tokens = 1 + grid * grid
        let pixels = inputSize * inputSize
        var rng = RandomWeights(seed: 99)
        var result = [(batch: AnomalyCLIPLoss.Batch, loss: AnomalyCLIPLoss)]()
        for start in stride(from: 0, to: images, by: batchSize) {
            var features = [[Float]](), patchTokens = [[Tensor]](), masks = [[Float]](), labels = [Int]()
            for i in start..<min(start + batchSize, images) {
                features.append(rng.tensor([e], std: 1).values)
                patchTokens.append(taps.map { _ in rng.tensor([tokens, e], std: 1) })
                var mask = [Float](repeating: 0, count: pixels)
                let defect = i % 2 == 1
                if defect {
                    let top = 40 + 23 * i, left = 60 + 17 * i
                    for y in top..<min(top + 120, inputSize) {
                        for x in left..<min(left + 160, inputSize) { mask[y * inputSize + x] = 1 }
                    }
                }
                masks.append(mask)
                labels.append(defect ? 1 : 0)
            }
            let batch = AnomalyCLIPLoss.Batch(imageFeatures: features, patchTokens: patchTokens, gridRows: grid,
                                              gridColumns: grid, groundTruth: masks, mapHeight: inputSize,
                                              mapWidth: inputSize, labels: labels)
            result.append((batch, AnomalyCLIPLoss()))
        }
        return result
    }
}

/// Writes one line straight to fd 1 (print buffers when stdout is a pipe), so the parent sees
/// each epoch as it ends.
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Set from a dispatch signal source, read between training steps.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    var isSet: Bool { lock.withLock { stopped } }
    func set() { lock.withLock { stopped = true } }
}

/// The child: idle priority and one thread first, then epochs until SIGTERM, one JSON line per
/// epoch ({"worker_epoch", "seconds", "mean_loss"}).
func runRetrainWorker() -> Int32 {
    ComputeBudget.limit(threads: 1)
    let priority = ProcessPriority.lowerPriority()
    let stop = StopFlag()
    signal(SIGTERM, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
    source.setEventHandler { stop.set() }
    source.resume()

    let a = RetrainSetup.architecture
    let setupStart = now()
    var rng = RandomWeights(seed: 4321)
    let tower = rng.textTower(a)
    let batches = RetrainSetup.batches()
    do {
        let tokenizer = try CLIPTokenizer()
        let prompts = try LearnedPrompts.random(contextLength: 12, deepPromptCount: 8, deepPromptLength: 4,
                                                width: a.textWidth, seed: 1)
        emit(jsonLine(["worker": "ready", "priority": priority, "blas_threads": BLAS.threads,
                       "setup_s": round3(now() - setupStart)]))
        var epochStart = now()
        let (_, epochs) = try PromptTrainer().train(
            prompts: prompts, tower: tower, tokenizer: tokenizer, batches: batches, epochs: Int(Int32.max),
            progress: { epoch in
                let t = now()
                // CLOCK_MONOTONIC is system-wide, so the parent can place this epoch on its own clock.
                emit(jsonLine(["worker_epoch": epoch.index, "seconds": round3(t - epochStart),
                               "mean_loss": Double(epoch.meanLoss), "end_monotonic_s": t]))
                epochStart = t
                return !stop.isSet
            },
            shouldContinue: { !stop.isSet })
        emit(jsonLine(["worker": "stopped", "epochs": epochs.count]))
        source.cancel()
        return 0
    } catch {
        FileHandle.standardError.write(Data("engine-bench retrain-worker: \(error)\n".utf8))
        return 1
    }
}

/// Lines a child writes to a pipe, collected on a reader thread and awaited by the parent.
final class LineCollector: @unchecked Sendable {
    private let condition = NSCondition()
    private var lines = [String]()
    private var closed = false

    /// Starts reading `handle` until end of file.
    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    condition.lock()
                    lines.append(line)
                    condition.broadcast()
                    condition.unlock()
                }
            }
            condition.lock()
            closed = true
            condition.broadcast()
            condition.unlock()
        }
        thread.start()
    }

    var snapshot: [String] {
        condition.lock()
        defer { condition.unlock() }
        return lines
    }

    /// Blocks until `predicate` holds for the lines so far; false on end of file or timeout.
    func wait(timeout: Double, until predicate: ([String]) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while !predicate(lines) {
            if closed || !condition.wait(until: deadline) { return predicate(lines) }
        }
        return true
    }

    /// Blocks until the pipe reaches end of file.
    func waitForEnd(timeout: Double) -> Bool { wait(timeout: timeout) { _ in self.closed } }
}

func parseJSON(_ line: String) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
}

func epochLines(_ lines: [String]) -> [[String: Any]] {
    lines.compactMap(parseJSON).filter { $0["worker_epoch"] != nil }
}

/// A worker epoch's span on the monotonic clock.
func epochSpan(_ epoch: [String: Any]) -> ClosedRange<Double>? {
    guard let end = (epoch["end_monotonic_s"] as? NSNumber)?.doubleValue,
          let seconds = (epoch["seconds"] as? NSNumber)?.doubleValue else { return nil }
    return (end - seconds)...end
}

/// The 1-minute load average: other work on the machine skews every figure here.
func loadAverage() -> Double {
    var load = [Double](repeating: 0, count: 3)
    return getloadavg(&load, 3) > 0 ? round3(load[0]) : -1
}

/// The executable this process runs (what /proc/self/exe points at).
func currentExecutable() -> URL {
    let resolved = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        ?? CommandLine.arguments[0]
    return URL(fileURLWithPath: resolved)
}

/// The parent: sgemm rate, idle inspection latency, then the worker trains beside three more
/// inspections; one JSON line with seconds per epoch and the latency ratio.
func runRetrainBenchmark() -> Int32 {
    func fail(_ message: String) -> Int32 {
        print("engine-bench retrain: \(message)")
        return 1
    }
    let a = RetrainSetup.architecture
    let size = RetrainSetup.inputSize
    emit("engine-bench retrain: OpenBLAS threads \(BLAS.threads), \(ProcessInfo.processInfo.activeProcessorCount) CPUs")
    let loadAtStart = loadAverage()

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
    let sgemm = sgemmRate(m: n, n: a.visionMLPWidth, k: a.visionWidth)
    let pixels = (0..<(3 * size * size)).map { _ in rng.normal() }
    func inspect() -> Double? {
        let start = now()
        guard let out = try? encoder.encode(pixels), out.imageEmbedding.allSatisfy(\.isFinite) else { return nil }
        return now() - start
    }
    guard inspect() != nil else { return fail("encode failed") }   // warm-up
    var idle = [Double]()
    for _ in 0..<RetrainSetup.inspectionRuns {
        guard let t = inspect() else { return fail("encode failed") }
        idle.append(t)
    }
    emit(String(format: "idle inspection: median %.3f s %@", median(idle), idle.map { round3($0) }.description))

    let child = Process()
    child.executableURL = currentExecutable()
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
    guard collector.wait(timeout: 1200, until: { !epochLines($0).isEmpty }) else {
        stopChild()
        return fail("the worker produced no epoch (lines: \(collector.snapshot))")
    }
    var during = [Double]()
    let windowStart = now()
    for _ in 0..<RetrainSetup.inspectionRuns {
        guard let t = inspect() else {
            stopChild()
            return fail("encode failed")
        }
        during.append(t)
    }
    let windowEnd = now()
    emit(String(format: "inspection during training: median %.3f s %@", median(during),
                during.map { round3($0) }.description))
    // Two epochs that start after the inspections, so the worker's own speed is measured too
    // (during the inspections SCHED_IDLE starves it, as intended).
    guard collector.wait(timeout: 1200, until: { lines in
        epochLines(lines).filter { (epochSpan($0)?.lowerBound ?? 0) > windowEnd }.count >= 2
    }) else {
        stopChild()
        return fail("the worker stopped early (lines: \(collector.snapshot))")
    }
    child.terminate()
    child.waitUntilExit()
    _ = collector.waitForEnd(timeout: 60)
    let lines = collector.snapshot
    let epochs = epochLines(lines)
    let seconds = epochs.compactMap { ($0["seconds"] as? NSNumber)?.doubleValue }
    let window = windowStart...windowEnd
    let alone = epochs.filter { epochSpan($0).map { !$0.overlaps(window) } ?? false }
        .compactMap { ($0["seconds"] as? NSNumber)?.doubleValue }
    let overlapping = epochs.filter { epochSpan($0).map { $0.overlaps(window) } ?? false }
        .compactMap { ($0["seconds"] as? NSNumber)?.doubleValue }
    let losses = epochs.compactMap { ($0["mean_loss"] as? NSNumber)?.doubleValue }
    let ready = lines.compactMap(parseJSON).first { $0["worker"] as? String == "ready" }
    let stopped = lines.compactMap(parseJSON).contains { $0["worker"] as? String == "stopped" }
    let row: [String: Any] = [
        "model": "retrain_vitl14_336_text_16img_at518",
        "images": RetrainSetup.images, "batch_size": RetrainSetup.batchSize,
        "prompts": "n=12, 8 deep x 4 tokens, width \(a.textWidth)",
        "seconds_per_epoch": round3(median(seconds)),
        "epochs": epochs.count,
        "epoch_seconds": seconds.map(round3),
        "seconds_per_epoch_alone": round3(alone.isEmpty ? 0 : median(alone)),
        "epochs_alone": alone.count,
        "seconds_per_epoch_beside_inspection": round3(overlapping.isEmpty ? 0 : median(overlapping)),
        "mean_loss_first": losses.first.map { round3($0) } ?? 0,
        "mean_loss_last": losses.last.map { round3($0) } ?? 0,
        "inspection_input": size, "inspection_tokens": n, "inspection_taps": RetrainSetup.taps,
        "inspection_idle_median_s": round3(median(idle)),
        "inspection_during_training_median_s": round3(median(during)),
        "ratio": round3(median(during) / median(idle)),
        "sgemm_shape": "\(n)x\(a.visionMLPWidth)x\(a.visionWidth)",
        "sgemm_gflops": round3(sgemm),
        "blas_threads": BLAS.threads,
        "worker_priority": ready?["priority"] as? String ?? "unknown",
        "worker_blas_threads": ready?["blas_threads"] as? Int ?? 0,
        "worker_setup_s": ready?["setup_s"] as? Double ?? 0,
        "worker_stopped_cleanly": stopped && child.terminationStatus == 0,
        "cpus": ProcessInfo.processInfo.activeProcessorCount,
        "load_average_1m_start": loadAtStart, "load_average_1m_end": loadAverage(),
    ]
    emit(jsonLine(row))
    return 0
}
