import Engine

/// PatchCore's greedy k-center coreset: repeatedly keep the point farthest from everything kept
/// so far. This bounds the worst-case distance from any dropped point to the coreset (within a
/// factor 2 of optimal), so rare-but-normal patterns survive subsampling and a dropped
/// normal patch is never much farther from the bank than it was before.
///
/// Distances are squared Euclidean on a Johnson–Lindenstrauss projection to
/// `projectionWidth` dimensions when the vectors are wider (as PatchCore does): the greedy loop
/// then streams M·128 floats per pick instead of M·E.
///
/// Cost: projection O(M·E·d) in one gemm; selection O(k·M·d) (one gemm-vector product and one
/// O(M) min/argmax pass per pick); memory O(M·d) for the projection plus O(M).
enum GreedyCoreset {
    /// Target width of the random projection (PatchCore's default).
    static let projectionWidth = 128

    /// Ascending indices of `min(k, count)` rows of `points` ([count, width], row-major) chosen
    /// by greedy k-center from a start row drawn with `seed`. Deterministic for a given seed
    /// and input. Already-chosen rows are never picked again, so duplicates do not stall it.
    static func select(points: UnsafePointer<Float>, count: Int, width: Int, k: Int, seed: UInt64) -> [Int] {
        guard k > 0, count > 0 else { return [] }
        guard k < count else { return Array(0..<count) }
        guard width > projectionWidth else {
            return farthestPointOrder(points: points, count: count, width: width, k: k, seed: seed)
        }
        // Z = X·P with P ~ N(0, 1/d): squared distances are preserved in expectation.
        let d = projectionWidth
        var random = RandomWeights(seed: seed)
        let projection = random.tensor([width, d], std: 1 / Float(d).squareRoot())
        let projected = Tensor(zeros: [count, d])
        // Both tensors must outlive every use of their pointers.
        return withExtendedLifetime((projection, projected)) {
            BLAS.gemm(m: count, n: d, k: width, a: points, lda: width, b: projection.pointer, ldb: d,
                      c: projected.pointer, ldc: d)
            return farthestPointOrder(points: projected.pointer, count: count, width: d, k: k, seed: seed)
        }
    }

    /// The greedy loop on `points` [count, width] (already projected), 0 < k < count.
    private static func farthestPointOrder(points z: UnsafePointer<Float>, count: Int, width d: Int,
                                           k: Int, seed: UInt64) -> [Int] {
        let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: 3 * count)
        defer { scratch.deallocate() }
        guard let base = scratch.baseAddress else { return [] }
        let squaredNorms = base
        let minDistances = base + count
        let dots = base + 2 * count
        for i in 0..<count {
            let row = z + i * d
            var s: Float = 0
            for c in 0..<d { s += row[c] * row[c] }
            squaredNorms[i] = s
        }
        minDistances.update(repeating: .infinity, count: count)

        var chosen = [Int]()
        chosen.reserveCapacity(k)
        var current = startIndex(seed: seed, count: count)
        while true {
            chosen.append(current)
            // -inf marks "chosen": it never wins the argmax and min() keeps it there.
            minDistances[current] = -.infinity
            if chosen.count == k { break }
            BLAS.gemm(m: count, n: 1, k: d, a: z, lda: d, b: z + current * d, ldb: 1, c: dots, ldc: 1)
            let centreNorm = squaredNorms[current]
            var farthest = current
            var farthestDistance = -Float.infinity
            for i in 0..<count {
                let distance = squaredNorms[i] + centreNorm - 2 * dots[i]
                var m = minDistances[i]
                if distance < m {
                    m = distance
                    minDistances[i] = m
                }
                if m > farthestDistance {
                    farthestDistance = m
                    farthest = i
                }
            }
            // Only chosen rows remain (cannot happen while chosen.count < k < count).
            if farthestDistance == -.infinity { break }
            current = farthest
        }
        chosen.sort()
        return chosen
    }

    /// The first centre: one SplitMix64 draw from `seed`, reduced to 0..<count.
    static func startIndex(seed: UInt64, count: Int) -> Int {
        var z = seed &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Int(z % UInt64(count))
    }
}
