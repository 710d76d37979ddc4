@testable import Engine
@testable import Inspection
import Testing

/// Storing good images and scoring against them: exact distances, the upsampled map, and the
/// validation a caller hits when layers or widths do not match.
@Suite struct NormalMemoryBankTests {
    typealias F = MemoryBankFixture

    @Test func emptyBankHasNoPatches() {
        let bank = NormalMemoryBank(embedDim: 16, layerCount: 3)
        #expect(bank.embedDim == 16)
        #expect(bank.layerCount == 3)
        #expect(bank.imageCount == 0)
        #expect(bank.patchCounts == [0, 0, 0])
    }

    @Test func addStoresUnitLengthPatchesWithoutCLS() throws {
        var bank = NormalMemoryBank(embedDim: 8, layerCount: 2)
        let patches = F.randomPatches(seed: 1, layers: 3, rows: 3, columns: 4, e: 8)
        try bank.add(F.encoding(patches: patches, rows: 3, columns: 4), layers: [2, 0])
        try bank.add(F.random(seed: 2, layers: 3, rows: 3, columns: 4, e: 8), layers: [2, 0])
        #expect(bank.imageCount == 2)
        #expect(bank.patchCounts == [24, 24])
        // Bank layer 0 is tap 2; its first 12 rows are that tap's patches, normalised.
        for p in 0..<12 {
            let stored = Array(bank.rows[0][(p * 8)..<((p + 1) * 8)])
            let expected = VectorMath.normalized(patches[2][p])
            for c in 0..<8 { #expect(abs(stored[c] - expected[c]) < 1e-6) }
        }
    }

    @Test func queryIdenticalToStoredImageHasZeroDistance() throws {
        var bank = NormalMemoryBank(embedDim: 24, layerCount: 2)
        for seed in UInt64(10)..<UInt64(14) {
            try bank.add(F.random(seed: seed, layers: 2, rows: 5, columns: 5, e: 24), layers: [0, 1])
        }
        let query = F.random(seed: 12, layers: 2, rows: 5, columns: 5, e: 24)
        let distances = try bank.patchDistances(query, layers: [0, 1])
        #expect(distances.count == 2)
        for layer in distances {
            #expect(layer.count == 25)
            #expect(layer.allSatisfy { $0 >= 0 && $0 < 1e-5 })
        }
        let map = try bank.anomalyMap(query, layers: [0, 1], mapSize: 40)
        #expect(map.count == 1600)
        #expect((map.max() ?? 1) < 1e-5)
        // A different image is not at distance 0.
        let other = try bank.patchDistances(F.random(seed: 77, layers: 2, rows: 5, columns: 5, e: 24), layers: [0, 1])
        #expect(other.allSatisfy { $0.allSatisfy { $0 > 0.1 } })
    }

    @Test func storedPatchIsAtZeroAndOrthogonalPatchAtOne() throws {
        let e = 8
        // Bank: patches along axes 0..3 only.
        var bank = NormalMemoryBank(embedDim: e, layerCount: 1)
        let stored = (0..<4).map { F.basis($0, e) }
        try bank.add(F.encoding(patches: [stored], rows: 2, columns: 2), layers: [0])
        // Query: a stored patch, the same patch scaled, an orthogonal one, a zero patch,
        // an opposite one, a 45° mix of two stored axes.
        let half = Float(0.5).squareRoot()
        var mix = [Float](repeating: 0, count: e)
        mix[0] = half
        mix[5] = half
        let query: [[Float]] = [F.basis(2, e), F.basis(1, e).map { $0 * 7 }, F.basis(6, e),
                                [Float](repeating: 0, count: e), F.basis(0, e).map { -$0 }, mix]
        let d = try bank.patchDistances(F.encoding(patches: [query], rows: 2, columns: 3), layers: [0])[0]
        #expect(abs(d[0]) < 1e-6)
        #expect(abs(d[1]) < 1e-6)
        #expect(abs(d[2] - 1) < 1e-6)
        #expect(abs(d[3] - 1) < 1e-6)
        #expect(abs(d[4] - 1) < 1e-6)  // opposite to axis 0, orthogonal to axes 1–3
        #expect(abs(d[5] - (1 - half)) < 1e-6)

        // Against a bank of one direction, its opposite is at the far end of the range.
        var single = NormalMemoryBank(embedDim: e, layerCount: 1)
        try single.add(F.encoding(patches: [[F.basis(0, e)]], rows: 1, columns: 1), layers: [0])
        let far = try single.patchDistances(F.encoding(patches: [[F.basis(0, e).map { -3 * $0 }]], rows: 1, columns: 1),
                                            layers: [0])
        #expect(abs(far[0][0] - 2) < 1e-6)
    }

    /// The chunked BLAS search equals a plain double loop, whatever the chunk size: one row, a
    /// size that leaves a ragged last chunk, exactly one image, the whole bank.
    @Test(arguments: [1, 7, 30, 64, 1 << 30])
    func matchesNaiveNearestNeighbour(chunkRows: Int) throws {
        let (rows, columns, e) = (5, 6, 20)
        var bank = NormalMemoryBank(embedDim: e, layerCount: 2)
        var stored: [[[Float]]] = [[], []]
        for seed in UInt64(100)..<UInt64(103) {
            let patches = F.randomPatches(seed: seed, layers: 2, rows: rows, columns: columns, e: e)
            try bank.add(F.encoding(patches: patches, rows: rows, columns: columns), layers: [1, 0])
            stored[0] += patches[1]
            stored[1] += patches[0]
        }
        #expect(bank.patchCounts == [90, 90])
        let queries = 4 * 7
        bank.scoreBudget = chunkRows >= 1 << 30 ? chunkRows : 4 * queries * chunkRows
        #expect(bank.chunkRows(queries: queries) == min(chunkRows, 90))

        let queryPatches = F.randomPatches(seed: 555, layers: 2, rows: 4, columns: 7, e: e)
        // Mix in exact copies of stored patches so both ends of the range are covered.
        var q = queryPatches
        q[1][3] = stored[0][89]
        q[0][10] = stored[1][0]
        let distances = try bank.patchDistances(F.encoding(patches: q, rows: 4, columns: 7), layers: [1, 0])
        for l in 0..<2 {
            let tap = l == 0 ? 1 : 0
            for p in 0..<queries {
                let expected = F.naiveDistance(q[tap][p], bank: stored[l])
                #expect(abs(Double(distances[l][p]) - expected) < 1e-5, "layer \(l) patch \(p)")
            }
        }
        #expect(abs(distances[0][3]) < 1e-6)
        #expect(abs(distances[1][10]) < 1e-6)
    }

    /// The map is the layer-average of halved distances upsampled exactly like
    /// AnomalyScorer.layerMap: feeding layerMap p_anomalous = d/2, p_normal = 1 − d/2 makes its
    /// (p_a + 1 − p_n)/2 equal d/2, so the two must agree to rounding.
    @Test func anomalyMapUpsamplesLikeTheZeroShotLayerMap() throws {
        let (rows, columns, e, size) = (4, 4, 12, 28)
        var bank = NormalMemoryBank(embedDim: e, layerCount: 3)
        for seed in UInt64(1)..<UInt64(4) {
            try bank.add(F.random(seed: seed, layers: 3, rows: rows, columns: columns, e: e), layers: [0, 1, 2])
        }
        let query = F.random(seed: 42, layers: 3, rows: rows, columns: columns, e: e)
        let distances = try bank.patchDistances(query, layers: [0, 1, 2])
        let map = try bank.anomalyMap(query, layers: [0, 1, 2], mapSize: size)

        let scorer = try AnomalyScorer(textFeatures: [[1, 0], [0, 1]], mapLayers: [], mapSize: size)
        var expected = [Float](repeating: 0, count: size * size)
        for grid in distances {
            let probs = grid.flatMap { [1 - $0 / 2, $0 / 2] }
            let layer = scorer.layerMap(patchProbabilities: probs, gridRows: rows, gridColumns: columns)
            for i in expected.indices { expected[i] += layer[i] / 3 }
        }
        #expect(map.count == size * size)
        for i in map.indices { #expect(abs(map[i] - expected[i]) < 1e-5) }
        #expect(map.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    @Test func validatesLayersWidthsAndGrid() throws {
        var bank = NormalMemoryBank(embedDim: 8, layerCount: 2)
        let good = F.random(seed: 3, layers: 3, rows: 2, columns: 2, e: 8)
        #expect(F.isInvalidSetting(F.error { try bank.add(good, layers: [0]) }, "layers"))
        #expect(F.isInvalidSetting(F.error { try bank.add(good, layers: [0, 1, 2]) }, "layers"))
        #expect(F.isInvalidSetting(F.error { try bank.add(good, layers: [0, 3]) }, "layers"))
        #expect(F.isInvalidSetting(F.error { try bank.add(good, layers: [-1, 0]) }, "layers"))
        let wide = F.random(seed: 4, layers: 2, rows: 2, columns: 2, e: 9)
        #expect(F.isCorruptBank(F.error { try bank.add(wide, layers: [0, 1]) }, "9"))
        // Token rows that do not match the grid (CLS + rows·columns).
        let misgridded = F.encoding(patches: F.randomPatches(seed: 5, layers: 2, rows: 2, columns: 2, e: 8),
                                    rows: 3, columns: 2)
        #expect(F.isCorruptBank(F.error { try bank.add(misgridded, layers: [0, 1]) }, "rows"))
        // Nothing was stored by the failed calls.
        #expect(bank.imageCount == 0)
        #expect(bank.patchCounts == [0, 0])

        // Scoring needs a non-empty bank, matching layers and widths, a positive map size.
        #expect(F.isCorruptBank(F.error { try bank.patchDistances(good, layers: [0, 1]) }, "no patches"))
        try bank.add(good, layers: [0, 1])
        #expect(F.isInvalidSetting(F.error { try bank.patchDistances(good, layers: [1]) }, "layers"))
        #expect(F.isCorruptBank(F.error { try bank.patchDistances(wide, layers: [0, 1]) }))
        #expect(F.isInvalidSetting(F.error { try bank.anomalyMap(good, layers: [0, 1], mapSize: 0) }, "mapSize"))
        #expect(try bank.anomalyMap(good, layers: [0, 1], mapSize: 5).count == 25)
    }

    @Test func copiesAreIndependent() throws {
        var bank = NormalMemoryBank(embedDim: 4, layerCount: 1)
        try bank.add(F.random(seed: 1, layers: 1, rows: 2, columns: 2, e: 4), layers: [0])
        let before = bank
        try bank.add(F.random(seed: 2, layers: 1, rows: 2, columns: 2, e: 4), layers: [0])
        #expect(before.patchCounts == [4])
        #expect(before.rows[0].count == 16)
        #expect(bank.patchCounts == [8])
    }

    @Test func nonFiniteTokensBecomeZeroRows() throws {
        var bank = NormalMemoryBank(embedDim: 4, layerCount: 1)
        let patches: [[Float]] = [[1, 0, 0, 0], [.nan, 1, 0, 0], [.infinity, 0, 0, 0], [0, 0, 1, 0]]
        try bank.add(F.encoding(patches: [patches], rows: 2, columns: 2), layers: [0])
        #expect(bank.rows[0].allSatisfy { $0.isFinite })
        let d = try bank.patchDistances(F.encoding(patches: [[[0, 0, 0, 1], [0, 0, 1, 0]]], rows: 1, columns: 2),
                                        layers: [0])[0]
        #expect(abs(d[0] - 1) < 1e-6)
        #expect(abs(d[1]) < 1e-6)
    }
}
