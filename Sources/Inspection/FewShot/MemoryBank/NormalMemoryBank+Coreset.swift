extension NormalMemoryBank {
    /// A bank keeping at most `maxPatchesPerLayer` patches per layer, chosen by PatchCore's
    /// greedy k-center coreset (see `GreedyCoreset`), so nearest-neighbour cost drops by the
    /// subsampling ratio while every dropped patch keeps a close stand-in. The kept vectors are
    /// the original full-width ones. Layers already small enough are kept whole; the result is
    /// deterministic for a given bank and `seed` (each layer draws its own start patch from it).
    ///
    /// Cost per layer of M patches: O(M·E·128) for the projection plus O(k·M·128) for the
    /// selection (E ≤ 128: O(k·M·E), unprojected).
    public func coreset(maxPatchesPerLayer: Int, seed: UInt64 = 0) -> NormalMemoryBank {
        let k = max(0, maxPatchesPerLayer)
        let e = embedDim
        var keptRows = [[Float]]()
        var keptCounts = [Int]()
        for l in 0..<layerCount {
            let m = counts[l]
            guard m > k else {
                keptRows.append(rows[l])
                keptCounts.append(m)
                continue
            }
            let layerSeed = seed &+ UInt64(l) &* 0x9E37_79B9_7F4A_7C15
            let chosen = rows[l].withUnsafeBufferPointer { bank -> [Int] in
                guard let base = bank.baseAddress else { return [] }
                return GreedyCoreset.select(points: base, count: m, width: e, k: k, seed: layerSeed)
            }
            var kept = [Float]()
            kept.reserveCapacity(chosen.count * e)
            for i in chosen { kept.append(contentsOf: rows[l][(i * e)..<((i + 1) * e)]) }
            keptRows.append(kept)
            keptCounts.append(chosen.count)
        }
        var bank = NormalMemoryBank(embedDim: e, imageCount: imageCount, rows: keptRows, counts: keptCounts)
        bank.scoreBudget = scoreBudget
        return bank
    }
}
