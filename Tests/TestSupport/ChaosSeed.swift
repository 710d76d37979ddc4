import Engine
import Foundation

/// The seed of a randomised (chaos) test: `INSPECTD_CHAOS_SEED` when set, so a failure can
/// be replayed exactly, else a fresh one. Printed either way.
public struct ChaosSeed: RandomNumberGenerator {
    public let seed: UInt64
    private var generator: RandomWeights

    /// Reads or draws the seed and prints `chaos seed N (test)`.
    public init(test: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let given = environment["INSPECTD_CHAOS_SEED"].flatMap { UInt64($0) }
        seed = given ?? UInt64.random(in: 1...UInt64(UInt32.max))
        generator = RandomWeights(seed: seed)
        print("chaos seed \(seed) (\(test)); replay with INSPECTD_CHAOS_SEED=\(seed)")
    }

    public mutating func next() -> UInt64 { generator.next() }
}
