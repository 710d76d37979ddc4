import Inspection
import Store
import Testing

/// A candidate replaces the active version unless its held-out AUROC or F1 is worse by more
/// than the margin. Margins and scores in the boundary tests are exact binary fractions, so
/// "drop = margin" really is equal in Double arithmetic.
@Suite struct PromotionRuleTests {
    private func scores(_ auroc: Double, _ f1: Double, fail: Double = 0.6) -> VersionMetrics.Scores {
        .init(auroc: auroc, f1: f1, failThreshold: fail)
    }

    @Test func equalScoresArePromoted() {
        let rule = PromotionRule(margin: 0.02)
        let decision = rule.decide(candidate: scores(0.9, 0.8), active: scores(0.9, 0.8))
        #expect(decision.promote)
        #expect(decision.reason == "promoted: held-out AUROC 0.900 vs active 0.900, F1 0.800 vs 0.800 (margin 0.020)")
    }

    @Test func betterScoresArePromoted() {
        let decision = PromotionRule(margin: 0).decide(candidate: scores(0.95, 0.85), active: scores(0.9, 0.8))
        #expect(decision.promote && decision.reason.hasPrefix("promoted: "))
    }

    @Test func aurocDropBeyondTheMarginIsRejectedNamingAUROC() {
        // 0.900 − 0.850 = 0.050 > 0.020; F1 improved, which does not save it.
        let decision = PromotionRule(margin: 0.02).decide(candidate: scores(0.85, 0.9), active: scores(0.9, 0.8))
        #expect(!decision.promote)
        #expect(decision.reason.hasPrefix("rejected: AUROC worse by 0.050; "), "\(decision.reason)")
        #expect(decision.reason.contains("held-out AUROC 0.850 vs active 0.900"))
        #expect(decision.reason.contains("F1 0.900 vs 0.800") && decision.reason.contains("(margin 0.020)"))
    }

    @Test func f1DropBeyondTheMarginIsRejectedNamingF1() {
        // AUROC within the margin (0.010 ≤ 0.020), F1 0.800 − 0.700 = 0.100 > 0.020.
        let decision = PromotionRule(margin: 0.02).decide(candidate: scores(0.89, 0.7), active: scores(0.9, 0.8))
        #expect(!decision.promote)
        #expect(decision.reason.hasPrefix("rejected: F1 worse by 0.100; "), "\(decision.reason)")
        #expect(!decision.reason.contains("AUROC worse"))
        #expect(decision.reason.contains("AUROC 0.890 vs active 0.900") && decision.reason.contains("F1 0.700 vs 0.800"))
    }

    @Test func bothDropsNameAUROCFirst() {
        let decision = PromotionRule(margin: 0.01).decide(candidate: scores(0.5, 0.5), active: scores(0.9, 0.8))
        #expect(!decision.promote && decision.reason.hasPrefix("rejected: AUROC worse by 0.400"))
    }

    @Test func dropOfExactlyTheMarginIsPromoted() {
        // 0.75 − 0.5 = 0.25 exactly; 0.625 − 0.375 = 0.25 exactly.
        let rule = PromotionRule(margin: 0.25)
        let auroc = rule.decide(candidate: scores(0.5, 0.75), active: scores(0.75, 0.75))
        #expect(auroc.promote, "\(auroc.reason)")
        let f1 = rule.decide(candidate: scores(0.75, 0.375), active: scores(0.75, 0.625))
        #expect(f1.promote, "\(f1.reason)")
        // Rounding noise (1e-9) is forgiven; a real step more (1e-6) is rejected.
        #expect(rule.decide(candidate: scores(0.5.nextDown, 0.75), active: scores(0.75, 0.75)).promote)
        let over = rule.decide(candidate: scores(0.5 - 1e-6, 0.75), active: scores(0.75, 0.75))
        #expect(!over.promote)
    }

    @Test func zeroMarginRejectsAnyDrop() {
        let rule = PromotionRule(margin: 0)
        #expect(rule.decide(candidate: scores(0.9, 0.8), active: scores(0.9, 0.8)).promote)
        #expect(!rule.decide(candidate: scores(0.899, 0.8), active: scores(0.9, 0.8)).promote)
        #expect(!rule.decide(candidate: scores(0.9, 0.799), active: scores(0.9, 0.8)).promote)
    }

    @Test func withoutAnActiveVersionTheCandidateIsPromoted() {
        // Even a poor candidate: there is nothing to compare with.
        let decision = PromotionRule(margin: 0.02).decide(candidate: scores(0.55, 0.25), active: nil)
        #expect(decision.promote)
        #expect(decision.reason == "promoted: held-out AUROC 0.550, F1 0.250; no active version to compare with")
    }

    @Test func decimalDropEqualToTheMarginIsPromoted() {
        // What an operator reads: active 0.90, candidate 0.88, margin 0.02 — "no worse by more
        // than the margin". In Double, 0.90 − 0.88 = 0.020000000000000018 > 0.02.
        let decision = PromotionRule(margin: 0.02).decide(candidate: scores(0.88, 0.8), active: scores(0.9, 0.8))
        #expect(decision.promote, "\(decision.reason)")
    }
}
