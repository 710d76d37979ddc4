import Foundation

/// SplitMix64: a tiny seeded generator, so every synthetic data set is reproducible.
struct ClassifierTestRNG: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Standard normal by Box–Muller.
    mutating func gaussian() -> Float {
        let u1 = Double.random(in: Double.ulpOfOne ..< 1, using: &self)
        let u2 = Double.random(in: 0 ..< 1, using: &self)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}

/// Synthetic CLIP-like image features: one random unit centre per class, samples are the
/// centre plus isotropic noise of total length about `noise`, renormalised.
struct ClassifierSyntheticData {
    let dimension: Int
    let centres: [[Float]]
    var rng: ClassifierTestRNG

    init(dimension: Int, classCount: Int, seed: UInt64) {
        var rng = ClassifierTestRNG(seed: seed)
        self.dimension = dimension
        self.centres = (0 ..< classCount).map { _ in
            Self.unit((0 ..< dimension).map { _ in rng.gaussian() })
        }
        self.rng = rng
    }

    static func unit(_ v: [Float]) -> [Float] {
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? v.map { $0 / norm } : v
    }

    /// A random unit vector.
    mutating func randomUnit() -> [Float] {
        Self.unit((0 ..< dimension).map { _ in rng.gaussian() })
    }

    /// `direction` plus noise of length about `noise`, normalised.
    mutating func perturbed(_ direction: [Float], noise: Float) -> [Float] {
        let scale = noise / Float(dimension).squareRoot()
        return Self.unit(direction.map { $0 + scale * rng.gaussian() })
    }

    /// `perClass` samples of every class, classes interleaved, with their class indices.
    mutating func samples(perClass: Int, noise: Float) -> (features: [[Float]], labels: [Int]) {
        var features = [[Float]]()
        var labels = [Int]()
        for _ in 0 ..< perClass {
            for (label, centre) in centres.enumerated() {
                features.append(perturbed(centre, noise: noise))
                labels.append(label)
            }
        }
        return (features, labels)
    }

    /// Text embeddings near the class centres (a good zero-shot model).
    mutating func goodText(noise: Float = 0.3) -> [[Float]] {
        centres.map { perturbed($0, noise: noise) }
    }

    /// Text embeddings pointing away from the class centres: zero-shot never picks the right class.
    mutating func poorText(noise: Float = 0.3) -> [[Float]] {
        centres.map { perturbed($0.map { -$0 }, noise: noise) }
    }
}
