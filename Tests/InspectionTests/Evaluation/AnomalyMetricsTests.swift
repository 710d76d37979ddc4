import Inspection
import Store
import Testing

/// Every expected value is computed by hand in the comment next to it, so the tests pin the
/// definitions (tie handling, per-region averaging, interpolation at the FPR limit), not just
/// the current output.
@Suite struct AnomalyMetricsTests {
    // MARK: AUROC

    @Test func aurocHandExample() throws {
        // Positives {0.35, 0.8}, negatives {0.1, 0.4}. Pairs won by the positive:
        // 0.35>0.1 yes, 0.35>0.4 no, 0.8>0.1 yes, 0.8>0.4 yes → 3/4.
        let auc = try #require(AnomalyMetrics.auroc(scores: [0.1, 0.4, 0.35, 0.8], labels: [false, false, true, true]))
        #expect(abs(auc - 0.75) < 1e-12)
    }

    @Test func aurocTieAcrossClassesGetsHalfCredit() throws {
        // Positives {0.5, 0.9}, negatives {0.2, 0.5}. 0.5 vs 0.2 win (1), 0.5 vs 0.5 tie (½),
        // 0.9 wins both (2) → 3.5 / 4 = 0.875, whatever the input order.
        let labels = [false, false, true, true]
        let auc = try #require(AnomalyMetrics.auroc(scores: [0.2, 0.5, 0.5, 0.9], labels: labels))
        #expect(abs(auc - 0.875) < 1e-12)
        let swapped = try #require(AnomalyMetrics.auroc(scores: [0.5, 0.2, 0.9, 0.5], labels: [true, false, true, false]))
        #expect(abs(swapped - 0.875) < 1e-12)
    }

    @Test func aurocPerfectInvertedAndAllTied() throws {
        let labels = [false, false, true, true]
        // Every positive above every negative → 4/4; below → 0/4; all equal → 4 × ½ / 4.
        #expect(AnomalyMetrics.auroc(scores: [0.1, 0.2, 0.8, 0.9], labels: labels) == 1.0)
        #expect(AnomalyMetrics.auroc(scores: [0.8, 0.9, 0.1, 0.2], labels: labels) == 0.0)
        #expect(AnomalyMetrics.auroc(scores: [0.5, 0.5, 0.5, 0.5], labels: labels) == 0.5)
    }

    @Test func aurocUndefinedInputsAreNil() {
        #expect(AnomalyMetrics.auroc(scores: [0.1, 0.9], labels: [true, true]) == nil)
        #expect(AnomalyMetrics.auroc(scores: [0.1, 0.9], labels: [false, false]) == nil)
        #expect(AnomalyMetrics.auroc(scores: [], labels: []) == nil)
        #expect(AnomalyMetrics.auroc(scores: [0.1, 0.9], labels: [false]) == nil)
        #expect(AnomalyMetrics.auroc(scores: [0.1, .nan], labels: [false, true]) == nil)
    }

    // MARK: average precision

    @Test func averagePrecisionSklearnDocExample() throws {
        // Descending: 0.8(+) R=½ P=1 → ½·1; 0.4(−) R unchanged; 0.35(+) R=1 P=2/3 → ½·2/3;
        // 0.1(−) R unchanged. AP = ½ + ⅓ = 5/6 = 0.8333…
        let ap = try #require(AnomalyMetrics.averagePrecision(scores: [0.1, 0.4, 0.35, 0.8], labels: [false, false, true, true]))
        #expect(abs(ap - 5.0 / 6.0) < 1e-12)
    }

    @Test func averagePrecisionGroupsTies() throws {
        // y = [1,0,0,1,0], s = [.5,.5,.5,.9,.1]. 0.9(+) R=½ P=1 → ½; the 0.5 group {+,−,−}
        // enters at once: TP=2 FP=2, R=1 P=½ → ½·½ = ¼. AP = ¾ (not 1.0, which ranking the
        // tied positive first would give).
        let ap = try #require(AnomalyMetrics.averagePrecision(
            scores: [0.5, 0.5, 0.5, 0.9, 0.1], labels: [true, false, false, true, false]))
        #expect(abs(ap - 0.75) < 1e-12)
    }

    @Test func averagePrecisionEdgeCases() {
        #expect(AnomalyMetrics.averagePrecision(scores: [0.1, 0.2], labels: [false, false]) == nil)
        // Only positives: precision is 1 at every threshold → 1.
        #expect(AnomalyMetrics.averagePrecision(scores: [0.1, 0.2], labels: [true, true]) == 1.0)
    }

    // MARK: F1 max

    @Test func f1MaxSklearnDocExample() throws {
        // F1 = 2TP / (TP + FP + P), P = 2. t=0.8: 2/3; t=0.4: 2/4; t=0.35: 4/5 = 0.8; t=0.1: 4/6.
        let best = try #require(AnomalyMetrics.f1Max(scores: [0.1, 0.4, 0.35, 0.8], labels: [false, false, true, true]))
        #expect(abs(best.f1 - 0.8) < 1e-12)
        #expect(best.threshold == 0.35)
    }

    @Test func f1MaxTiesGroupedAndLowestThresholdWins() throws {
        // y = [1,0,0,1,0], s = [.5,.5,.5,.9,.1], P = 2. t=0.9: 2/(1+0+2) = 2/3;
        // t=0.5 (group +,−,−): 4/(2+2+2) = 2/3; t=0.1: 4/7. Equal maxima: the lower
        // threshold 0.5 is reported (anomalib's argmax over ascending thresholds).
        let best = try #require(AnomalyMetrics.f1Max(
            scores: [0.5, 0.5, 0.5, 0.9, 0.1], labels: [true, false, false, true, false]))
        #expect(abs(best.f1 - 2.0 / 3.0) < 1e-12)
        #expect(best.threshold == 0.5)
    }

    @Test func f1MaxPerfectSeparationAndNil() throws {
        // All defects >= 0.7 > all goods: F1 = 1 at the smallest defect score.
        let best = try #require(AnomalyMetrics.f1Max(scores: [0.1, 0.3, 0.7, 0.9], labels: [false, false, true, true]))
        #expect(best.f1 == 1.0)
        #expect(best.threshold == 0.7)
        #expect(AnomalyMetrics.f1Max(scores: [0.1, 0.3], labels: [false, false]) == nil)
    }

    // MARK: pixel AUROC

    @Test func pixelAUROCEqualsImageAUROCOnFlattenedData() throws {
        let maps: [[Float]] = [[0.1, 0.4, 0.35, 0.8], [0.5, 0.5, 0.2, 0.9, 0.05, 0.6]]
        let masks: [[Bool]] = [[false, false, true, true], [true, false, false, true, false, true]]
        let pixel = try #require(AnomalyMetrics.pixelAUROC(maps: maps, masks: masks))
        let image = try #require(AnomalyMetrics.auroc(
            scores: maps.flatMap { $0.map(Double.init) }, labels: masks.flatMap { $0 }))
        #expect(pixel == image)
        // By hand: positives {.35,.8,.5,.9,.6}, negatives {.1,.4,.5,.2,.05}. Wins per positive:
        // .35 → 3 (.1,.2,.05); .8 → 5; .5 → 4 + ½ (tie with .5); .9 → 5; .6 → 5. 22.5/25 = 0.9.
        #expect(abs(pixel - 0.9) < 1e-12)
    }

    @Test func pixelAUROCRejectsMismatchedSizes() {
        #expect(AnomalyMetrics.pixelAUROC(maps: [[0.1, 0.2]], masks: [[true]]) == nil)
        #expect(AnomalyMetrics.pixelAUROC(maps: [[0.1]], masks: []) == nil)
    }

    @Test func pixelAUROCLargeInputMatchesRankFormula() throws {
        // 200k pixels on a 1/64 grid (many ties); reference: Mann–Whitney from counts per level.
        var state: UInt64 = 42
        var map: [Float] = []
        var mask: [Bool] = []
        var positivesAt = [Double](repeating: 0, count: 64)
        var negativesAt = [Double](repeating: 0, count: 64)
        for _ in 0..<200_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let defective = (state >> 60) == 0           // 1 in 16
            var level = Int((state >> 20) & 63)
            if defective { level = min(63, level + 20) } // shifted up, overlapping
            map.append(Float(level) / 64)
            mask.append(defective)
            if defective { positivesAt[level] += 1 } else { negativesAt[level] += 1 }
        }
        var wins = 0.0
        var negativesBelow = 0.0
        for level in 0..<64 {
            wins += positivesAt[level] * (negativesBelow + negativesAt[level] / 2)
            negativesBelow += negativesAt[level]
        }
        let expected = wins / (positivesAt.reduce(0, +) * negativesAt.reduce(0, +))
        let auc = try #require(AnomalyMetrics.pixelAUROC(maps: [map], masks: [mask]))
        #expect(abs(auc - expected) < 1e-12)
    }

    // MARK: AUPRO

    /// A row-major mask with the listed (x, y) pixels set.
    private func mask(_ width: Int, _ height: Int, _ pixels: [(Int, Int)]) -> [Bool] {
        var mask = [Bool](repeating: false, count: width * height)
        for (x, y) in pixels { mask[y * width + x] = true }
        return mask
    }

    private func square(x: Int, y: Int, width: Int, height: Int) -> [(Int, Int)] {
        (y..<(y + height)).flatMap { row in (x..<(x + width)).map { ($0, row) } }
    }

    @Test func auproPerfectMapIsOne() throws {
        // 8×8, one 2×2 region; map 1 on it, 0 elsewhere. t=1: (FPR 0, PRO 1); t=0: (1, 1).
        // Area over [0, 0.3] = 0.3 · 1 → / 0.3 = 1.
        let region = square(x: 3, y: 2, width: 2, height: 2)
        let m = mask(8, 8, region)
        let map = m.map { $0 ? Float(1) : 0 }
        let value = try #require(AnomalyMetrics.aupro(maps: [map], masks: [m], width: 8, height: 8))
        #expect(abs(value - 1) < 1e-12)
    }

    @Test func auproConstantMap() throws {
        // One threshold: curve (0,0) → (1,1). PRO at FPR 0.3 interpolates to 0.3;
        // area = 0.3 · (0 + 0.3) / 2 = 0.045 → / 0.3 = 0.15.
        let m = mask(8, 8, square(x: 3, y: 2, width: 2, height: 2))
        let map = [Float](repeating: 0.5, count: 64)
        let value = try #require(AnomalyMetrics.aupro(maps: [map], masks: [m], width: 8, height: 8))
        #expect(abs(value - 0.15) < 1e-12)
    }

    @Test func auproAveragesPerRegionNotPerPixel() throws {
        // 10×10. Region A: 2×2 (4 px) at map 1.0. Region B: 4×4 (16 px), top two rows at 1.0,
        // bottom two at 0.5. Normals: 80, of which 8 at 0.9, the rest 0.
        // t=1.0: A fully, B half covered → PRO = (1 + ½)/2 = 0.75 (per pixel it would be
        //        12/20 = 0.6), FPR 0.
        // t=0.9: FPR 8/80 = 0.1, PRO 0.75.   t=0.5: FPR 0.1, PRO 1.   t=0: FPR 1, PRO 1.
        // Area to 0.3: 0.1·0.75 + 0.2·1 = 0.275 → / 0.3 = 11/12 (per pixel: 0.26/0.3 = 0.8667).
        // Limit 0.05: 0.05 · 0.75 / 0.05 = 0.75 exactly the per-region PRO (per pixel: 0.6).
        let a = square(x: 0, y: 0, width: 2, height: 2)
        let bTop = square(x: 5, y: 5, width: 4, height: 2)
        let bBottom = square(x: 5, y: 7, width: 4, height: 2)
        let m = mask(10, 10, a + bTop + bBottom)
        var map = [Float](repeating: 0, count: 100)
        for (x, y) in a + bTop { map[y * 10 + x] = 1.0 }
        for (x, y) in bBottom { map[y * 10 + x] = 0.5 }
        for x in 0..<8 { map[4 * 10 + x] = 0.9 }  // row 4 is normal
        let value = try #require(AnomalyMetrics.aupro(maps: [map], masks: [m], width: 10, height: 10))
        #expect(abs(value - 11.0 / 12.0) < 1e-12)
        let early = try #require(AnomalyMetrics.aupro(maps: [map], masks: [m], width: 10, height: 10, fprLimit: 0.05))
        #expect(abs(early - 0.75) < 1e-12)
    }

    @Test func auproUsesEightConnectivity() throws {
        // 4×4, defect pixels (0,0), (1,1), (2,1): one region of 3 under 8-connectivity (two
        // regions {1 px, 2 px} under 4-connectivity). Map: (0,0) = 1, normal (3,3) = 0.5,
        // the rest 0. t=1: PRO 1/3 (4-connectivity: (1 + 0)/2 = ½), FPR 0; t=0.5: FPR 1/13.
        // Limit 0.05 < 1/13: area 0.05 · ⅓ → / 0.05 = ⅓.
        let m = mask(4, 4, [(0, 0), (1, 1), (2, 1)])
        var map = [Float](repeating: 0, count: 16)
        map[0] = 1
        map[15] = 0.5
        let value = try #require(AnomalyMetrics.aupro(maps: [map], masks: [m], width: 4, height: 4, fprLimit: 0.05))
        #expect(abs(value - 1.0 / 3.0) < 1e-12)
    }

    @Test func auproCountsNormalPixelsOfDefectFreeImages() throws {
        // Image 1 (4×4): 2×2 region at map 1, 12 normals at 0. Image 2 (4×4, no defect): 4
        // pixels at 2, 12 at 0. Normals: 28. t=2: FPR 4/28 = 1/7, PRO 0; t=1: (1/7, 1);
        // t=0: (1, 1). Area to 0.3: (0.3 − 1/7) · 1 → / 0.3 = 1 − 10/21 = 11/21.
        let m1 = mask(4, 4, square(x: 1, y: 1, width: 2, height: 2))
        let map1 = m1.map { $0 ? Float(1) : 0 }
        let m2 = [Bool](repeating: false, count: 16)
        let map2: [Float] = [2, 2, 2, 2] + [Float](repeating: 0, count: 12)
        let value = try #require(AnomalyMetrics.aupro(maps: [map1, map2], masks: [m1, m2], width: 4, height: 4))
        #expect(abs(value - 11.0 / 21.0) < 1e-12)
    }

    @Test func auproUndefinedInputsAreNil() {
        let m = mask(2, 2, [(0, 0)])
        let map: [Float] = [1, 0, 0, 0]
        #expect(AnomalyMetrics.aupro(maps: [map], masks: [[Bool](repeating: false, count: 4)], width: 2, height: 2) == nil)
        #expect(AnomalyMetrics.aupro(maps: [map], masks: [[true, true, true, true]], width: 2, height: 2) == nil)
        #expect(AnomalyMetrics.aupro(maps: [map], masks: [m], width: 3, height: 2) == nil)
        #expect(AnomalyMetrics.aupro(maps: [map], masks: [m], width: 2, height: 2, fprLimit: 0) == nil)
        #expect(AnomalyMetrics.aupro(maps: [map], masks: [m], width: 2, height: 2, fprLimit: 1.5) == nil)
        #expect(AnomalyMetrics.aupro(maps: [[.nan, 0, 0, 0]], masks: [m], width: 2, height: 2) == nil)
    }

    // MARK: mean and std

    @Test func meanAndSampleStd() {
        // Σ = 40 → mean 5; Σ(x−5)² = 9+1+1+1+0+0+4+16 = 32; sample variance 32/7.
        let result = AnomalyMetrics.meanAndStd([2, 4, 4, 4, 5, 5, 7, 9])
        #expect(result.mean == 5)
        #expect(abs(result.std - (32.0 / 7.0).squareRoot()) < 1e-12)
        let one = AnomalyMetrics.meanAndStd([0.25])
        #expect(one.mean == 0.25 && one.std == 0)
        #expect(AnomalyMetrics.meanAndStd([]).mean.isNaN)
    }
}
