import ArgumentParser
import Engine
import Foundation
import Inspection

/// `engine-bench decode`: decode + preprocess of a 5 MP camera JPEG to 518×518, the per-image
/// work before the model.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode", abstract: "Decode + preprocess of a synthetic 2448x2048 JPEG to 518x518.")

    @Option(help: "Timed runs after one warm-up.")
    var runs = 5

    func run() throws {
        guard let row = Self.measure(runs: max(runs, 1)) else { throw ExitCode.failure }
        print(String(format: "decode+preprocess %@: median %.1f ms (min %.1f, max %.1f); decode %.1f ms, preprocess %.1f ms",
                     row["frame"] as? String ?? "", row["median_ms"] as? Double ?? 0, row["min_ms"] as? Double ?? 0,
                     row["max_ms"] as? Double ?? 0, row["decode_median_ms"] as? Double ?? 0,
                     row["preprocess_median_ms"] as? Double ?? 0))
        BenchSupport.emit(BenchSupport.jsonLine(row))
    }

    /// Decode + preprocess of a synthetic 2448x2048 camera frame (JPEG q92, textured so the
    /// entropy decoder has real work) to 518x518 squash, median over `runs`.
    static func measure(runs: Int) -> [String: Any]? {
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
                let t0 = BenchSupport.now()
                let image = try decoder.decode(file: path).image
                let t1 = BenchSupport.now()
                let input = preprocessor(image)
                let t2 = BenchSupport.now()
                guard input.pixels.count == 3 * 518 * 518 else { return nil }
                if run > 0 {
                    totals.append((t2 - t0) * 1000)
                    decodes.append((t1 - t0) * 1000)
                    preps.append((t2 - t1) * 1000)
                }
            }
            return ["model": "decode_preprocess", "frame": "\(w)x\(h) JPEG q92 (\(jpeg.count / 1024) KiB) -> 518x518 squash",
                    "runs": totals.count, "median_ms": BenchSupport.round3(BenchSupport.median(totals)), "min_ms": BenchSupport.round3(totals.min() ?? 0),
                    "max_ms": BenchSupport.round3(totals.max() ?? 0), "decode_median_ms": BenchSupport.round3(BenchSupport.median(decodes)),
                    "preprocess_median_ms": BenchSupport.round3(BenchSupport.median(preps))]
        } catch {
            print("engine-bench: decode benchmark failed: \(error)")
            return nil
        }
    }
}
