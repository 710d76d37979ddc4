import Engine

extension NormalMemoryBank {
    /// Per map layer, each patch's `1 − max cosine similarity` to that layer's bank, as a
    /// row-major [rows·columns] grid in [0, 2] (0 = the patch, up to float rounding, is in the
    /// bank; 1 = orthogonal to everything stored). Exact nearest neighbour with BLAS; the
    /// scratch (normalised queries, one chunk of scores) is allocated once per call.
    /// `excludingImage` (the index of an added image) leaves that image's own patches out:
    /// its leave-one-out distances, without building a bank of the others.
    public func patchDistances(_ encoding: ImageEncoding, layers: [Int], excludingImage: Int? = nil) throws -> [[Float]] {
        let tokens = try patchTokens(of: encoding, layers: layers)
        if let i = excludingImage, !imageRows.indices.contains(i) {
            throw InspectionError.invalidSetting(name: "excludingImage", value: "\(i)",
                                                 reason: "the bank knows the rows of \(imageRows.count) images")
        }
        if let empty = counts.firstIndex(of: 0) {
            throw InspectionError.invalidLabel(
                item: "memory bank",
                reason: "layer \(empty) holds no patches; add at least one good image before scoring")
        }
        let n = encoding.gridRows * encoding.gridColumns
        let e = embedDim
        let chunk = chunkRows(queries: n)
        let query = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, n * e))
        defer { query.deallocate() }
        let scores = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, n * chunk))
        defer { scores.deallocate() }
        guard let q = query.baseAddress, let s = scores.baseAddress else { return [] }

        var result = [[Float]]()
        result.reserveCapacity(layerCount)
        for (l, layerTokens) in tokens.enumerated() {
            Self.normalizeRows(layerTokens.pointer + e, count: n, width: e, into: q)
            var distances = [Float](repeating: 0, count: n)
            rows[l].withUnsafeBufferPointer { bank in
                distances.withUnsafeMutableBufferPointer { out in
                    guard let b = bank.baseAddress, let d = out.baseAddress else { return }
                    NearestNeighbourSearch.maxSimilarities(
                        queries: q, queryCount: n, bank: b, bankCount: counts[l], width: e,
                        chunkRows: chunk, scores: s, best: d, excluding: excludingImage.map { imageRows[$0][l] })
                    // Rounding can push a self-match a hair past 1; keep the documented range.
                    for i in 0..<n { d[i] = min(2, max(0, 1 - d[i])) }
                }
            }
            result.append(distances)
        }
        return result
    }

    /// The memory anomaly map, `mapSize`² row-major in [0, 1]: per layer the patch distances
    /// halved (so they share the zero-shot layer maps' range), upsampled bilinearly exactly as
    /// `AnomalyScorer.layerMap` does (PyTorch, align_corners=False), then averaged over layers.
    public func anomalyMap(_ encoding: ImageEncoding, layers: [Int], mapSize: Int,
                           excludingImage: Int? = nil) throws -> [Float] {
        guard mapSize > 0 else {
            throw InspectionError.invalidSetting(name: "mapSize", value: "\(mapSize)", reason: "must be positive")
        }
        let distances = try patchDistances(encoding, layers: layers, excludingImage: excludingImage)
        let size = mapSize * mapSize
        var map = [Float](repeating: 0, count: size)
        guard !distances.isEmpty else { return map }
        var plane = [Float](repeating: 0, count: size)
        let weight = 0.5 / Float(distances.count)
        for grid in distances {
            grid.withUnsafeBufferPointer { src in
                plane.withUnsafeMutableBufferPointer { dst in
                    guard let i = src.baseAddress, let o = dst.baseAddress else { return }
                    BilinearResize.resize(
                        channels: 1, input: i, inHeight: encoding.gridRows, inWidth: encoding.gridColumns,
                        inLayout: .planar(height: encoding.gridRows, width: encoding.gridColumns),
                        output: o, outHeight: mapSize, outWidth: mapSize,
                        outLayout: .planar(height: mapSize, width: mapSize))
                }
            }
            map.withUnsafeMutableBufferPointer { m in
                plane.withUnsafeBufferPointer { p in
                    for i in 0..<size { m[i] += weight * p[i] }
                }
            }
        }
        return map
    }

    /// Bank rows per gemm so that `queries × rows` scores fit `scoreBudget` (at least one row,
    /// at most the largest layer).
    func chunkRows(queries: Int) -> Int {
        let byBudget = max(1, scoreBudget / (MemoryLayout<Float>.stride * max(1, queries)))
        return max(1, min(byBudget, counts.max() ?? 1))
    }
}
