import Engine
import Foundation
import Inspection
import Store

/// A small MVTec-AD-style dataset generated on the fly: smooth coloured textures, and two
/// pasted defect types — "scratch" (a bright diagonal line) and "spot" (a dark disc) — with
/// their ground-truth masks — plus a third type, "square" (a bright filled square), for the
/// class-folder layouts of `inspectctl classify` and `eval`. Deterministic per seed.
struct SyntheticDefectDataset {
    let root: URL
    let category: URL
    let side = 64

    init(trainGood: Int = 8, testGood: Int = 8, perDefect: Int = 10, seed: UInt64 = 11) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("fewshot-\(UUID().uuidString.prefix(8))")
        category = root.appendingPathComponent("widget")
        var rng = RandomWeights(seed: seed)
        for i in 0..<trainGood { try write(texture(&rng), to: "train/good/\(i).png") }
        for i in 0..<testGood { try write(texture(&rng), to: "test/good/\(i).png") }
        for kind in ["scratch", "spot"] {
            for i in 0..<perDefect {
                var image = texture(&rng)
                var mask = [UInt8](repeating: 0, count: side * side * 3)
                paste(kind, into: &image, mask: &mask, &rng)
                try write(image, to: "test/\(kind)/\(i).png")
                try write(RGBImage(width: side, height: side, pixels: mask), to: "ground_truth/\(kind)/\(i)_mask.png")
            }
        }
    }

    /// Two random sinusoid gratings plus noise: similar statistics, different instances.
    func texture(_ rng: inout RandomWeights) -> RGBImage {
        let fx = 0.15 + 0.05 * Double(rng.normal()), fy = 0.12 + 0.05 * Double(rng.normal())
        let phase = Double(rng.normal())
        var pixels = [UInt8](repeating: 0, count: side * side * 3)
        for y in 0..<side {
            for x in 0..<side {
                let v = 0.5 + 0.25 * sin(fx * Double(x) + phase) * cos(fy * Double(y))
                let n = Double(rng.normal()) * 0.03
                let i = 3 * (y * side + x)
                pixels[i] = UInt8(clamping: Int((v + n) * 200))
                pixels[i + 1] = UInt8(clamping: Int((v * 0.9 + n) * 190))
                pixels[i + 2] = UInt8(clamping: Int((0.6 - v * 0.3 + n) * 180))
            }
        }
        return RGBImage(width: side, height: side, pixels: pixels)
    }

    func paste(_ kind: String, into image: inout RGBImage, mask: inout [UInt8], _ rng: inout RandomWeights) {
        let cx = 16 + rng.index(below: 32), cy = 16 + rng.index(below: 32)
        for y in 0..<side {
            for x in 0..<side {
                let hit: Bool
                if kind == "scratch" {
                    hit = abs((x - cx) - (y - cy)) <= 1 && abs(x - cx) < 14
                } else if kind == "square" {
                    hit = abs(x - cx) <= 5 && abs(y - cy) <= 5
                } else {
                    hit = (x - cx) * (x - cx) + (y - cy) * (y - cy) <= 25
                }
                guard hit else { continue }
                let i = 3 * (y * side + x)
                let value: UInt8 = kind == "spot" ? 15 : 250
                image.pixels[i] = value
                image.pixels[i + 1] = value
                image.pixels[i + 2] = value
                mask[i] = 255
                mask[i + 1] = 255
                mask[i + 2] = 255
            }
        }
    }

    /// Class folders under the category: `<folder>/<class>/<i>.png` with `counts[k]` images per
    /// class in the k-th folder (e.g. `["support", "query"]` or `["train", "test"]`); "good"
    /// is a plain texture.
    func writeClassFolders(_ classes: [String], folders: [String], counts: [Int], seed: UInt64) throws {
        var rng = RandomWeights(seed: seed)
        for (folder, count) in zip(folders, counts) {
            for kind in classes {
                for i in 0..<count {
                    var image = texture(&rng)
                    var mask = [UInt8](repeating: 0, count: side * side * 3)
                    if kind != "good" { paste(kind, into: &image, mask: &mask, &rng) }
                    try write(image, to: "\(folder)/\(kind)/\(i).png")
                }
            }
        }
    }

    func write(_ image: RGBImage, to relative: String) throws {
        let url = category.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try PNGEncoder.write(try PNGEncoder.encodeRGB8(image), to: url.path)
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}
