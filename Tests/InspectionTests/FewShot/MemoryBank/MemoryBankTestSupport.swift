@testable import Engine
@testable import Inspection
import Testing

/// Encodings built straight from token values (no tower), so each test controls exactly which
/// patches the bank and the query hold.
enum MemoryBankFixture {
    /// An encoding whose tap `l` holds a random CLS row followed by `patches[l]`
    /// ([rows·columns][E]).
    static func encoding(patches: [[[Float]]], rows: Int, columns: Int, clsSeed: UInt64 = 99) -> ImageEncoding {
        var random = RandomWeights(seed: clsSeed)
        let tensors = patches.map { layer -> Tensor in
            let e = layer.first?.count ?? 0
            let cls = (0..<e).map { _ in random.normal() }
            // Shapes are consistent by construction.
            return (try? Tensor(shape: [1 + layer.count, e], values: cls + layer.flatMap { $0 })) ?? Tensor(zeros: [0])
        }
        return ImageEncoding(imageEmbedding: [], classFeature: [], patchTokens: tensors,
                             taps: patches.indices.map { $0 + 1 },
                             gridRows: rows, gridColumns: columns)
    }

    /// Gaussian patch tokens (not normalised), `layers` taps of [rows·columns][e].
    static func randomPatches(seed: UInt64, layers: Int, rows: Int, columns: Int, e: Int) -> [[[Float]]] {
        var random = RandomWeights(seed: seed)
        return (0..<layers).map { _ in
            (0..<(rows * columns)).map { _ in (0..<e).map { _ in random.normal() } }
        }
    }

    /// A random encoding.
    static func random(seed: UInt64, layers: Int, rows: Int, columns: Int, e: Int) -> ImageEncoding {
        encoding(patches: randomPatches(seed: seed, layers: layers, rows: rows, columns: columns, e: e),
                 rows: rows, columns: columns)
    }

    /// The unit vector along axis `i` of width `e`.
    static func basis(_ i: Int, _ e: Int) -> [Float] {
        (0..<e).map { $0 == i ? 1 : 0 }
    }

    /// Unit-length random directions, used as cluster centres.
    static func centres(count: Int, e: Int, seed: UInt64) -> [[Float]] {
        var random = RandomWeights(seed: seed)
        return (0..<count).map { _ in VectorMath.normalized((0..<e).map { _ in random.normal() }) }
    }

    /// Patches drawn around `centres` (centre + N(0, noise²) per component), cycling through
    /// the centres in a seeded order.
    static func clustered(centres: [[Float]], count: Int, noise: Float, seed: UInt64) -> [[Float]] {
        var random = RandomWeights(seed: seed)
        return (0..<count).map { i in
            let pick = (i * 7 + Int(seed % 13)) % centres.count
            return centres[pick].map { $0 + noise * random.normal() }
        }
    }

    /// Cosine distance in Double, the reference for the BLAS search.
    static func naiveDistance(_ query: [Float], bank: [[Float]]) -> Double {
        func norm(_ v: [Float]) -> Double { v.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }
        let qn = norm(query)
        var best = -Double.infinity
        for b in bank {
            let bn = norm(b)
            var dot = 0.0
            for i in query.indices { dot += Double(query[i]) * Double(b[i]) }
            let cosine = qn > 0 && bn > 0 ? dot / (qn * bn) : 0
            best = max(best, cosine)
        }
        return 1 - best
    }

    /// The InspectionError a throwing call raised, or nil (also nil for other error types).
    static func error<T>(_ body: () throws -> T) -> InspectionError? {
        do {
            _ = try body()
            return nil
        } catch let error as InspectionError {
            return error
        } catch {
            return nil
        }
    }

    /// Whether `error` is `.invalidLabel(item: "memory bank", reason)` with `fragment` in the
    /// reason.
    static func isCorruptBank(_ error: InspectionError?, _ fragment: String = "") -> Bool {
        guard case let .invalidLabel(item, reason) = error else { return false }
        return item == "memory bank" && (fragment.isEmpty || reason.contains(fragment))
    }

    /// Whether `error` is `.invalidSetting` for `name`.
    static func isInvalidSetting(_ error: InspectionError?, _ name: String) -> Bool {
        guard case let .invalidSetting(n, _, _) = error else { return false }
        return n == name
    }
}
