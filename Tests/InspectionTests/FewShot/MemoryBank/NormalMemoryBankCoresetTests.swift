@testable import Engine
@testable import Inspection
import Testing

/// The greedy k-center coreset: size bound, the k-center property (far points survive),
/// determinism, full-width vectors kept, and a map close to the full bank's.
@Suite struct NormalMemoryBankCoresetTests {
    typealias F = MemoryBankFixture

    /// Rows of layer `l` as vectors.
    static func vectors(_ bank: NormalMemoryBank, layer l: Int) -> [[Float]] {
        let e = bank.embedDim
        return (0..<bank.patchCounts[l]).map { Array(bank.rows[l][($0 * e)..<(($0 + 1) * e)]) }
    }

    /// A bank of `images` images of clustered patches (plus an `outlier` patch in the last
    /// image if given); layer 1 holds the same patches in reverse order.
    static func clusteredBank(e: Int, images: Int, centres: [[Float]], outlier: [Float]? = nil) throws -> NormalMemoryBank {
        var bank = NormalMemoryBank(embedDim: e, layerCount: 2)
        for i in 0..<images {
            var patches = F.clustered(centres: centres, count: 36, noise: 0.02, seed: UInt64(i))
            if i == images - 1, let outlier { patches[17] = outlier }
            try bank.add(F.encoding(patches: [patches, patches.reversed()], rows: 6, columns: 6), layers: [0, 1])
        }
        return bank
    }

    @Test func keepsAtMostKPatchesPerLayer() throws {
        var bank = NormalMemoryBank(embedDim: 16, layerCount: 2)
        for seed in UInt64(0)..<UInt64(3) {
            try bank.add(F.random(seed: seed, layers: 2, rows: 4, columns: 5, e: 16), layers: [0, 1])
        }
        #expect(bank.patchCounts == [60, 60])
        let small = bank.coreset(maxPatchesPerLayer: 10)
        #expect(small.patchCounts == [10, 10])
        #expect(small.imageCount == 3)
        #expect(small.embedDim == 16)
        #expect(small.layerCount == 2)
        // Already small enough: unchanged.
        let whole = bank.coreset(maxPatchesPerLayer: 60)
        #expect(whole.rows == bank.rows)
        #expect(bank.coreset(maxPatchesPerLayer: 500).rows == bank.rows)
        #expect(bank.coreset(maxPatchesPerLayer: 0).patchCounts == [0, 0])
        #expect(bank.coreset(maxPatchesPerLayer: 1).patchCounts == [1, 1])
    }

    /// Four tight clusters and one outlier, k = 5: k-center must spend one pick on every
    /// cluster and one on the outlier (any other choice leaves a point ~1 away uncovered).
    /// E = 24 runs unprojected, E = 200 through the 128-d random projection.
    @Test(arguments: [24, 200])
    func selectsOutlierAndEveryCluster(e: Int) throws {
        let centres = F.centres(count: 4, e: e, seed: 7)
        // Orthogonal-ish to all centres: a random direction made orthogonal to them.
        var outlier = F.centres(count: 1, e: e, seed: 8)[0]
        for c in centres {
            let dot = VectorMath.dot(outlier, c)
            for i in 0..<e { outlier[i] -= dot * c[i] }
        }
        outlier = VectorMath.normalized(outlier)
        let bank = try Self.clusteredBank(e: e, images: 3, centres: centres, outlier: outlier)
        let unitOutlier = VectorMath.normalized(outlier)

        for seed in UInt64(0)..<UInt64(5) {
            let core = bank.coreset(maxPatchesPerLayer: 5, seed: seed)
            #expect(core.patchCounts == [5, 5])
            for l in 0..<2 {
                let kept = Self.vectors(core, layer: l)
                #expect(kept.contains { zip($0, unitOutlier).allSatisfy { abs($0 - $1) < 1e-6 } },
                        "seed \(seed) layer \(l): outlier dropped")
                for c in centres {
                    #expect(kept.contains { VectorMath.dot($0, c) > 0.9 }, "seed \(seed) layer \(l): a cluster has no centre")
                }
            }
        }
    }

    @Test func isDeterministicPerSeedAndKeepsFullWidthVectors() throws {
        let e = 160
        let bank = try Self.clusteredBank(e: e, images: 4, centres: F.centres(count: 6, e: e, seed: 3))
        let a = bank.coreset(maxPatchesPerLayer: 20, seed: 11)
        let b = bank.coreset(maxPatchesPerLayer: 20, seed: 11)
        #expect(a.rows == b.rows)
        #expect(a.patchCounts == [20, 20])
        // Every kept vector is a stored full-width vector, bit for bit.
        let all = Self.vectors(bank, layer: 0)
        for v in Self.vectors(a, layer: 0) { #expect(all.contains(v)) }
        // A different seed starts elsewhere; it still honours the bound.
        #expect(bank.coreset(maxPatchesPerLayer: 20, seed: 12).patchCounts == [20, 20])
    }

    /// Selection runs on the projection, so compare the coverage radius it reaches with the
    /// exact greedy result on full vectors: within the JL distortion.
    @Test func greedySelectionCoversTheBank() throws {
        let e = 192
        let bank = try Self.clusteredBank(e: e, images: 4, centres: F.centres(count: 10, e: e, seed: 5))
        let core = bank.coreset(maxPatchesPerLayer: 12, seed: 1)
        let all = Self.vectors(bank, layer: 0)
        let kept = Self.vectors(core, layer: 0)
        // With 10 clusters and 12 centres, every stored patch is close to a kept one
        // (noise 0.02·√192 ≈ 0.28 per point, so within-cluster distances ≲ 0.5).
        func squaredDistance(_ a: [Float], _ b: [Float]) -> Float {
            var s: Float = 0
            for i in a.indices { s += (a[i] - b[i]) * (a[i] - b[i]) }
            return s
        }
        var radius: Float = 0
        for v in all {
            let nearest = kept.map { squaredDistance(v, $0) }.min() ?? .infinity
            radius = max(radius, nearest)
        }
        #expect(radius.squareRoot() < 0.6)
    }

    @Test func coresetMapStaysCloseToFullBankMap() throws {
        let e = 160
        let centres = F.centres(count: 8, e: e, seed: 21)
        let bank = try Self.clusteredBank(e: e, images: 6, centres: centres)
        #expect(bank.patchCounts == [216, 216])
        let core = bank.coreset(maxPatchesPerLayer: 40, seed: 0)
        #expect(core.patchCounts == [40, 40])

        let patches = F.clustered(centres: centres, count: 36, noise: 0.02, seed: 1000)
        let query = F.encoding(patches: [patches, patches.reversed()], rows: 6, columns: 6)
        let full = try bank.anomalyMap(query, layers: [0, 1], mapSize: 48)
        let reduced = try core.anomalyMap(query, layers: [0, 1], mapSize: 48)
        let maxDifference = zip(full, reduced).map { abs($0 - $1) }.max() ?? 1
        #expect(maxDifference < 0.03)
        // Reducing the bank can only move the nearest neighbour farther away.
        #expect(zip(full, reduced).allSatisfy { $1 >= $0 - 1e-6 })
    }
}
