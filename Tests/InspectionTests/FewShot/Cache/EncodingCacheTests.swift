import Engine
import Foundation
import Inspection
import Testing

/// The encoding cache with the fixture model and generated labelled images: a second fit of
/// the same labels encodes nothing, a damaged entry is re-encoded instead of trusted, the
/// size cap drops the least recently used entries, and what is fitted from fp16 patch tokens
/// agrees with the float32 fit within the bound derived below.
@Suite(.serialized) struct EncodingCacheTests {
    let fx: ReferenceFixture
    let inspector: Inspector
    let data: SyntheticDefectDataset
    let root: String

    init() throws {
        fx = try ReferenceFixture.load()
        let config = try fx.inspectorConfiguration()
        inspector = try Inspector(configuration: config)
        data = try SyntheticDefectDataset(trainGood: 8, testGood: 6, perDefect: 4, seed: 5)
        root = data.root.appendingPathComponent("state/encodings").path
    }

    /// The labelled images: 8 good, 4 scratch, 4 spot, with their content hashes.
    func labelled() throws -> [LabeledImage] {
        var images = [LabeledImage]()
        for i in 0..<8 { images.append(try image("train/good/\(i).png", defect: nil)) }
        for kind in ["scratch", "spot"] {
            for i in 0..<4 { images.append(try image("test/\(kind)/\(i).png", defect: kind)) }
        }
        return images
    }

    func image(_ relative: String, defect: String?) throws -> LabeledImage {
        let path = data.category.appendingPathComponent(relative).path
        return LabeledImage(path: path, isDefect: defect != nil, defectClass: defect,
                            contentHash: try ContentHash.sha256(file: path))
    }

    var settings: FewShotSettings {
        get throws {
            var s = FewShotSettings(fusion: try FewShotFusion())
            s.classes = [DefectClass(name: "scratch", description: "a bright diagonal line"),
                         DefectClass(name: "spot", description: "a dark round spot")]
            return s
        }
    }

    /// A refit of the same labels — in a new process, so a new cache instance — encodes
    /// nothing; its fit agrees with the uncached one within the fp16 bound.
    ///
    /// The bound: fp16 rounds each patch-token component to within u = 2^-11 of its value,
    /// so ‖δ‖ ≤ u‖x‖ and a token's unit direction moves by at most 2u. A cosine between two
    /// such tokens (bank and query) moves by at most 4u, the memory map is 0.5 × the mean
    /// over map layers of (1 − cos), bilinear resizing and Gaussian smoothing are convex
    /// combinations, and the fused score adds `memory_weight` × the map maximum: |Δscore| ≤
    /// memory_weight × 2u = 2^-11 ≈ 4.9e-4 at the default weight 0.5. The class feature and
    /// image embedding are kept in float32, so the zero-shot `cls` score is exact.
    @Test func aSecondFitEncodesNothingAndAgreesWithinTheFP16Bound() throws {
        defer { data.remove() }
        let images = try labelled()
        let s = try settings
        let uncached = try FewShotModel.build(inspector: inspector, images: images, settings: s)

        let first = try EncodingCache(root: root, baseID: "base-1", maxBytes: 64 << 20)
        let written = try FewShotModel.build(inspector: inspector, images: images, settings: s, cache: first)
        #expect(first.encodes == 16 && first.hits == 0 && first.lastWriteError == nil)
        #expect(written.thresholds == uncached.thresholds, "a fit that wrote the cache used the float32 results")

        let again = try EncodingCache(root: root, baseID: "base-1", maxBytes: 64 << 20)
        let cached = try FewShotModel.build(inspector: inspector, images: images, settings: s, cache: again)
        #expect(again.encodes == 0 && again.hits == 16 && again.discarded == 0)
        #expect(cached.goodCount == 8 && cached.defectCount == 8 && cached.skipped.isEmpty)

        // Another model base shares nothing.
        let other = try EncodingCache(root: root, baseID: "base-2", maxBytes: 64 << 20)
        _ = try images[0].inspect(with: inspector, cache: other)
        #expect(other.encodes == 1 && other.hits == 0)

        let bound = s.fusion.memoryWeight * 2 * pow(2, -11)
        var maxScore = 0.0, maxZeroShot = 0.0, maxMap = 0.0
        for i in 0..<6 {
            let result = try inspector.inspect(file: data.category.appendingPathComponent("test/good/\(i).png").path)
            let a = try uncached.apply(to: result, inspector: inspector)
            let b = try cached.apply(to: result, inspector: inspector)
            maxScore = max(maxScore, abs(a.score - b.score))
        }
        for image in images {
            let exact = try image.inspect(with: inspector, cache: nil)
            let fromCache = try image.inspect(with: inspector, cache: again)
            maxZeroShot = max(maxZeroShot, abs(exact.score - fromCache.score))
            for (x, y) in zip(exact.map.values, fromCache.map.values) { maxMap = max(maxMap, Double(abs(x - y))) }
            #expect(exact.geometry == fromCache.geometry)
        }
        let thresholds = try #require(uncached.thresholds), fromFP16 = try #require(cached.thresholds)
        let maxThreshold = max(abs(thresholds.review - fromFP16.review), abs(thresholds.fail - fromFP16.fail))
        print(String(format: "ENCODING-CACHE fp16 max|Δ|: fused score %.3g, thresholds %.3g (bound %.3g); zero-shot cls score %.3g; zero-shot map %.3g",
                     maxScore, maxThreshold, bound, maxZeroShot, maxMap))
        #expect(maxScore <= bound)
        #expect(maxThreshold <= bound)
        #expect(maxZeroShot == 0)
    }

    /// With `map_max` the zero-shot score comes from the patch tokens (×100 logit scale): no
    /// small fp16 bound holds there, so the cache keeps float32 and agrees exactly.
    @Test func mapScoresKeepFloat32AndAgreeExactly() throws {
        defer { data.remove() }
        var config = inspector.configuration
        config.scoreMode = .mapMax
        let mapInspector = try Inspector(model: inspector.model, configuration: config)
        let images = Array(try labelled().prefix(3))
        let exact = try images.map { try $0.inspect(with: mapInspector, cache: nil) }
        let writer = try EncodingCache(root: root, baseID: "map-max", maxBytes: 64 << 20)
        _ = try images.map { try $0.inspect(with: mapInspector, cache: writer) }
        let reader = try EncodingCache(root: root, baseID: "map-max", maxBytes: 64 << 20)
        let cached = try images.map { try $0.inspect(with: mapInspector, cache: reader) }
        #expect(reader.hits == 3 && reader.encodes == 0)
        #expect(zip(exact, cached).allSatisfy { $0.score == $1.score && $0.map.values == $1.map.values })
    }

    /// Truncated, bit-flipped, foreign or garbage entries are detected, deleted and re-encoded.
    @Test func damagedEntriesAreReencodedNeverTrusted() throws {
        defer { data.remove() }
        let images = Array(try labelled().prefix(4))
        let cache = try EncodingCache(root: root, baseID: "base-1", maxBytes: 64 << 20)
        let exact = try images.map { try $0.inspect(with: inspector, cache: cache) }
        #expect(cache.encodes == 4)
        let folder = try #require(try FileManager.default.contentsOfDirectory(atPath: root).first)
        func entry(_ image: LabeledImage) -> String { "\(root)/\(folder)/\(image.contentHash ?? "").enc" }

        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: entry(images[0]))))
        try Data(bytes.prefix(bytes.count / 2)).write(to: URL(fileURLWithPath: entry(images[0])))      // truncated
        bytes[bytes.count / 2] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: entry(images[1])))                                // flipped, and for another image
        try Data("not an entry".utf8).write(to: URL(fileURLWithPath: entry(images[2])))                 // garbage
        try Data().write(to: URL(fileURLWithPath: entry(images[3])))                                    // empty

        let fresh = try EncodingCache(root: root, baseID: "base-1", maxBytes: 64 << 20)
        let again = try images.map { try $0.inspect(with: inspector, cache: fresh) }
        #expect(fresh.discarded == 4 && fresh.encodes == 4 && fresh.hits == 0)
        #expect(zip(exact, again).allSatisfy { $0.score == $1.score }, "re-encoded, not read from the damaged bytes")
        let healed = try EncodingCache(root: root, baseID: "base-1", maxBytes: 64 << 20)
        _ = try images.map { try $0.inspect(with: inspector, cache: healed) }
        #expect(healed.hits == 4 && healed.encodes == 0 && healed.discarded == 0)
    }

    /// The cap keeps the folder under its size by dropping the least recently used entries.
    @Test func theCapDropsTheLeastRecentlyUsed() throws {
        defer { data.remove() }
        let images = try labelled()
        let probe = try EncodingCache(root: root + "-probe", baseID: "b", maxBytes: 64 << 20)
        _ = try images[0].inspect(with: inspector, cache: probe)
        let folder = try #require(try FileManager.default.contentsOfDirectory(atPath: root + "-probe").first)
        let size = try #require(try FileManager.default.attributesOfItem(
            atPath: "\(root)-probe/\(folder)/\(images[0].contentHash ?? "").enc")[.size] as? Int)

        let cache = try EncodingCache(root: root, baseID: "b", maxBytes: 3 * size + size / 2)
        for image in images.prefix(3) { _ = try image.inspect(with: inspector, cache: cache) }
        Thread.sleep(forTimeInterval: 0.02)
        _ = try images[0].inspect(with: inspector, cache: cache)                 // a use: now the newest
        _ = try images[3].inspect(with: inspector, cache: cache)                 // evicts images[1]
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: "\(root)/\(folder)"))
        #expect(names == Set([0, 2, 3].map { "\(images[$0].contentHash ?? "").enc" }), "\(names)")
        #expect(cache.encodes == 4 && cache.hits == 1)
    }
}
