import Engine
import Foundation
@testable import Inspection
import Testing
import TestSupport

/// Real zero-shot results from the tiny fixture model, computed once and shared by the
/// training tests: three different images, so tests can tell which result went where.
final class TrainingFixture: @unchecked Sendable {
    let reference: ReferenceFixture
    let inspector: Inspector
    /// Results of three distinct synthetic images (80x48, so crop/pad would differ from squash).
    let results: [InspectionResult]

    static let shared: Result<TrainingFixture, Error> = Result { try TrainingFixture() }
    static func load() throws -> TrainingFixture { try shared.get() }

    private init() throws {
        reference = try ReferenceFixture.load()
        let fx = reference
        let config = try fx.inspectorConfiguration()
        let inspector = try Inspector(configuration: config)
        self.inspector = inspector
        results = try (0..<3).map { seed in
            try inspector.inspect(LabelSupport.image(width: 80, height: 48, seed: seed), name: "img\(seed).png")
        }
    }

    /// A plausible content hash that differs per `tag`.
    static func hash(_ tag: String) -> String {
        ContentHash.sha256(Array(tag.utf8))
    }

    /// Example `n`: result `n % 3`, its own hash unless given.
    func example(_ n: Int, defect: Bool, hash: String? = nil, mask: [Float]? = nil) -> TrainingExample {
        TrainingExample(labelID: Int64(100 + n), contentHash: hash ?? Self.hash("\(defect ? "defect" : "good")-\(n)"),
                        image: LabeledImage(path: "/labels/\(n).png", isDefect: defect, defectClass: defect ? "scratch" : nil),
                        result: results[n % results.count], mask: mask)
    }

    /// `good` good examples followed by `defect` defect examples.
    func examples(good: Int, defect: Int) -> [TrainingExample] {
        (0..<good).map { example($0, defect: false) } + (0..<defect).map { example(good + $0, defect: true) }
    }
}

/// Which labels train and which judge a candidate: stratified, deterministic per content
/// hash and seed, and stable as labels are added.
@Suite struct HeldOutSplitTests {
    let fx: TrainingFixture

    init() throws {
        fx = try TrainingFixture.load()
    }

    private func split(_ examples: [TrainingExample], fraction: Double = 0.25, seed: UInt64 = 1,
                       minimum: Int = 2) throws -> (training: [Int], heldOut: [Int]) {
        try HeldOutSplit.split(examples, fraction: fraction, seed: seed, minimumPerClass: minimum)
    }

    private func invalidSetting(_ body: () throws -> Any) -> (name: String, value: String, reason: String)? {
        do {
            _ = try body()
            Issue.record("expected invalidSetting, the call succeeded")
            return nil
        } catch let InspectionError.invalidSetting(name, value, reason) {
            return (name, value, reason)
        } catch {
            Issue.record("expected invalidSetting, got \(error)")
            return nil
        }
    }

    private func count(_ indices: [Int], in examples: [TrainingExample], defect: Bool) -> Int {
        indices.filter { examples[$0].image.isDefect == defect }.count
    }

    @Test func rankIsFNV1aMixedWithTheSeed() {
        // Published FNV-1a 64 vectors (seed 0 leaves the offset basis unchanged).
        #expect(HeldOutSplit.rank("", 0) == 0xcbf2_9ce4_8422_2325)
        #expect(HeldOutSplit.rank("a", 0) == 0xaf63_dc4c_8601_ec8c)
        #expect(HeldOutSplit.rank("foobar", 0) == 0x8594_4171_f739_67e8)
        // The seed is XORed into the basis: "" with seed 1 is the basis with its low bit flipped.
        #expect(HeldOutSplit.rank("", 1) == 0xcbf2_9ce4_8422_2324)
        #expect(HeldOutSplit.rank("a", 1) != HeldOutSplit.rank("a", 0))
    }

    @Test func fractionIsRespectedPerClass() throws {
        // 12 good × 0.25 = 3, 8 defect × 0.25 = 2.
        let examples = fx.examples(good: 12, defect: 8)
        let s = try split(examples)
        #expect(count(s.heldOut, in: examples, defect: false) == 3)
        #expect(count(s.heldOut, in: examples, defect: true) == 2)
        #expect(count(s.training, in: examples, defect: false) == 9)
        #expect(count(s.training, in: examples, defect: true) == 6)
    }

    @Test func heldOutCountRoundsHalfAwayFromZero() throws {
        // 10 × 0.25 = 2.5 → 3; 6 × 0.25 = 1.5 → 2; 5 × 0.3 = 1.5 → 2.
        let examples = fx.examples(good: 10, defect: 6)
        let s = try split(examples)
        #expect(count(s.heldOut, in: examples, defect: false) == 3)
        #expect(count(s.heldOut, in: examples, defect: true) == 2)
        let five = fx.examples(good: 5, defect: 5)
        let t = try split(five, fraction: 0.3)
        #expect(count(t.heldOut, in: five, defect: false) == 2 && count(t.heldOut, in: five, defect: true) == 2)
    }

    @Test func everyClassKeepsAtLeastOneOnEachSide() throws {
        // 2 per class: 0.01 would hold out round(0.02) = 0 → raised to 1; 0.99 would hold out
        // round(1.98) = 2 → capped at 1 so one stays for training.
        let examples = fx.examples(good: 2, defect: 2)
        for fraction in [0.01, 0.5, 0.99] {
            let s = try split(examples, fraction: fraction)
            for defect in [false, true] {
                #expect(count(s.heldOut, in: examples, defect: defect) == 1, "fraction \(fraction)")
                #expect(count(s.training, in: examples, defect: defect) == 1, "fraction \(fraction)")
            }
        }
        // Unbalanced: 30 good, 3 defect at 0.9 → 27 and 2 held out.
        let unbalanced = fx.examples(good: 30, defect: 3)
        let u = try split(unbalanced, fraction: 0.9)
        #expect(count(u.heldOut, in: unbalanced, defect: false) == 27 && count(u.training, in: unbalanced, defect: false) == 3)
        #expect(count(u.heldOut, in: unbalanced, defect: true) == 2 && count(u.training, in: unbalanced, defect: true) == 1)
    }

    @Test func sidesAreDisjointCompleteAndSorted() throws {
        // Good and defect interleaved so that per-class lists must be merged back into order.
        let examples = (0..<20).map { fx.example($0, defect: $0 % 3 == 0) }
        let s = try split(examples, fraction: 0.3)
        #expect(Set(s.training).isDisjoint(with: s.heldOut))
        #expect((s.training + s.heldOut).sorted() == Array(examples.indices))
        #expect(s.training == s.training.sorted() && s.heldOut == s.heldOut.sorted())
    }

    @Test func heldOutAreTheLowestRanksOfEachClass() throws {
        let examples = fx.examples(good: 12, defect: 8)
        let seed: UInt64 = 7
        let s = try split(examples, seed: seed)
        for (defect, held) in [(false, 3), (true, 2)] {
            let members = examples.indices.filter { examples[$0].image.isDefect == defect }
            let byRank = members.sorted { HeldOutSplit.rank(examples[$0].contentHash, seed) < HeldOutSplit.rank(examples[$1].contentHash, seed) }
            #expect(Set(byRank.prefix(held)) == Set(s.heldOut.filter { examples[$0].image.isDefect == defect }))
        }
    }

    @Test func deterministicAndIndependentOfInputOrder() throws {
        let examples = fx.examples(good: 12, defect: 8)
        let first = try split(examples, seed: 3)
        let again = try split(examples, seed: 3)
        #expect(first.training == again.training && first.heldOut == again.heldOut)
        // The same labels in another order hold out the same contents.
        let order = examples.indices.map { ($0 * 7) % examples.count }   // 7 is coprime to 20: a permutation
        #expect(Set(order).count == examples.count)
        let shuffled = order.map { examples[$0] }
        let other = try split(shuffled, seed: 3)
        #expect(Set(other.heldOut.map { shuffled[$0].contentHash }) == Set(first.heldOut.map { examples[$0].contentHash }))
        // Only the hash and the class matter: other label ids, paths and results change nothing.
        let renamed = examples.enumerated().map { i, e in
            TrainingExample(labelID: 9000 + Int64(i), contentHash: e.contentHash,
                            image: LabeledImage(path: "/elsewhere/\(i).png", isDefect: e.image.isDefect),
                            result: fx.results[(i + 1) % 3], mask: nil)
        }
        let r = try split(renamed, seed: 3)
        #expect(r.heldOut == first.heldOut)
    }

    @Test func seedChangesTheSplit() throws {
        let examples = fx.examples(good: 12, defect: 8)
        let splits = try (1...4).map { try split(examples, seed: UInt64($0)).heldOut }
        #expect(Set(splits.map { $0.description }).count > 1, "four seeds gave the same held-out set")
    }

    @Test func addingLabelsMovesAtMostOneOldLabelAndKeepsTheRankOrder() throws {
        // Labels arrive one at a time (alternating classes). Each old label keeps its rank, so
        // between two consecutive splits at most one old label changes side, and the old labels
        // held out are always a prefix of that class's rank order.
        var examples = fx.examples(good: 4, defect: 4)
        var previous = try split(examples)
        for n in 0..<24 {
            examples.append(fx.example(100 + n, defect: n % 2 == 1))
            let next = try split(examples)
            let oldIndices = Set(examples.indices.dropLast())
            let before = Set(previous.heldOut)
            let after = Set(next.heldOut).intersection(oldIndices)
            let moved = before.symmetricDifference(after)
            #expect(moved.count <= 1, "adding label \(n) moved \(moved.count) old labels")
            #expect(before.isSubset(of: after) || after.isSubset(of: before), "adding label \(n) reshuffled")
            previous = next
        }
        // Adding a label whose rank comes after every held-out one, while the held-out count
        // stays the same, moves nothing.
        let base = fx.examples(good: 8, defect: 8)   // 2 and 2 held out
        let s = try split(base)
        let goodHeld = s.heldOut.filter { !base[$0].image.isDefect }
        let worst = goodHeld.map { HeldOutSplit.rank(base[$0].contentHash, 1) }.max() ?? 0
        let late = (0..<1000).lazy.map { TrainingFixture.hash("late-\($0)") }.first { HeldOutSplit.rank($0, 1) > worst }
        let added = base + [fx.example(500, defect: false, hash: try #require(late))]   // 9 × 0.25 = 2.25 → 2
        let t = try split(added)
        #expect(t.heldOut == s.heldOut)
        #expect(t.training == s.training + [16])
    }

    @Test func tooFewLabelsPerClassNameTheClassAndCount() throws {
        let fewGood = try #require(invalidSetting { try split(fx.examples(good: 3, defect: 6), minimum: 4) })
        #expect(fewGood.name == "good labels" && fewGood.value == "3")
        #expect(fewGood.reason.contains("at least 4"), "\(fewGood.reason)")
        let fewDefects = try #require(invalidSetting { try split(fx.examples(good: 6, defect: 1), minimum: 4) })
        #expect(fewDefects.name == "defect labels" && fewDefects.value == "1")
        #expect(fewDefects.reason.contains("at least 4"))
        let noDefects = try #require(invalidSetting { try split(fx.examples(good: 6, defect: 0), minimum: 2) })
        #expect(noDefects.name == "defect labels" && noDefects.value == "0")
        // A minimum below 2 is raised to 2: one label cannot be on both sides.
        let one = try #require(invalidSetting { try split(fx.examples(good: 1, defect: 5), minimum: 1) })
        #expect(one.name == "good labels" && one.value == "1" && one.reason.contains("at least 2"))
        // Exactly the minimum is enough.
        #expect(throws: Never.self) { try split(fx.examples(good: 4, defect: 4), minimum: 4) }
    }

    @Test func fractionOutsideTheOpenUnitIntervalIsRefused() throws {
        let examples = fx.examples(good: 6, defect: 6)
        for fraction in [0, 1, -0.25, 1.5, Double.nan, Double.infinity] {
            let error = try #require(invalidSetting { try split(examples, fraction: fraction) }, "fraction \(fraction)")
            #expect(error.name == "holdout_fraction" && error.value == "\(fraction)")
        }
        // Checked before the counts.
        let both = try #require(invalidSetting { try split(fx.examples(good: 1, defect: 1), fraction: 0) })
        #expect(both.name == "holdout_fraction")
    }
}
