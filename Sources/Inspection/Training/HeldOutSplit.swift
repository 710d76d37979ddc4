/// Which labels train a candidate and which judge it. Stratified (good and defect separately)
/// and deterministic: each class is ordered by a hash of content and seed, and the first
/// `fraction` (at least one) are held out, so the same labels always give the same split and a
/// new label does not reshuffle the old ones.
public enum HeldOutSplit {
    /// Indices of `examples` for training and for evaluation. Throws when a class has fewer
    /// than `minimumPerClass` examples (there would be nothing honest to compare on).
    public static func split(_ examples: [TrainingExample], fraction: Double, seed: UInt64,
                             minimumPerClass: Int) throws -> (training: [Int], heldOut: [Int]) {
        guard fraction > 0, fraction < 1 else {
            throw InspectionError.invalidSetting(name: "holdout_fraction", value: "\(fraction)", reason: "must be between 0 and 1")
        }
        var training = [Int](), heldOut = [Int]()
        for defect in [false, true] {
            let members = examples.indices.filter { examples[$0].image.isDefect == defect }
            guard members.count >= max(2, minimumPerClass) else {
                throw InspectionError.invalidSetting(
                    name: defect ? "defect labels" : "good labels", value: "\(members.count)",
                    reason: "retraining needs at least \(max(2, minimumPerClass)) to hold some out")
            }
            let ordered = members.sorted { rank(examples[$0].contentHash, seed) < rank(examples[$1].contentHash, seed) }
            let held = min(members.count - 1, max(1, Int((Double(members.count) * fraction).rounded())))
            heldOut += ordered.prefix(held)
            training += ordered.dropFirst(held)
        }
        return (training.sorted(), heldOut.sorted())
    }

    /// FNV-1a of the hash text mixed with the seed: stable across runs and platforms.
    static func rank(_ text: String, _ seed: UInt64) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x100_0000_01b3
        }
        return h
    }
}
