/// The evaluation metrics of the anomaly-detection literature (MVTec AD, anomalib,
/// AnomalyCLIP's `metrics.py`), each defined once so reported numbers are comparable with
/// published ones. Higher scores mean "more anomalous"; a label `true` means defective.
///
/// Ties are grouped everywhere (all equal scores cross a threshold together), so results
/// never depend on input order. Every function returns nil rather than a misleading number
/// when the metric is undefined: mismatched sizes, a NaN score, or a missing class.
public enum AnomalyMetrics {
    /// Image-level ROC AUC; ties get half credit (Mann–Whitney U / sklearn roc_auc_score).
    /// nil when only one class present.
    public static func auroc(scores: [Double], labels: [Bool]) -> Double? {
        guard let sweep = ThresholdSweep(scores: scores, labels: labels) else { return nil }
        return auroc(sweep)
    }

    /// Average precision as sklearn's `average_precision_score`: Σ (R_n − R_{n−1}) P_n over
    /// the distinct thresholds, no interpolation (interpolated AP overstates ranking quality).
    /// nil without positives.
    public static func averagePrecision(scores: [Double], labels: [Bool]) -> Double? {
        guard let sweep = ThresholdSweep(scores: scores, labels: labels), sweep.positiveCount > 0 else { return nil }
        let positives = Double(sweep.positiveCount)
        var ap = 0.0
        var previousTP = 0
        sweep.forEachPoint { point in
            if point.positives > previousTP {
                let precision = Double(point.positives) / Double(point.positives + point.negatives)
                ap += Double(point.positives - previousTP) / positives * precision
                previousTP = point.positives
            }
            return true
        }
        return ap
    }

    /// Max F1 over all thresholds (ties grouped) and the threshold attaining it: the smallest
    /// score of the predicted-positive set, so "defective when score >= threshold" reproduces
    /// it. Among equal F1 values the lowest threshold wins, as anomalib's F1 adaptive threshold
    /// (argmax over ascending thresholds) — the choice that misses fewer defects. nil without
    /// positives.
    public static func f1Max(scores: [Double], labels: [Bool]) -> (f1: Double, threshold: Double)? {
        guard let sweep = ThresholdSweep(scores: scores, labels: labels), sweep.positiveCount > 0 else { return nil }
        let positives = sweep.positiveCount
        // F1 = 2 TP / (TP + FP + P); compared as exact fractions so ties are real ties.
        var best: (tp: Int, denominator: Int, threshold: Double)?
        sweep.forEachPoint { point in
            let denominator = point.positives + point.negatives + positives
            if let current = best {
                let lhs = Double(point.positives) * Double(current.denominator)
                let rhs = Double(current.tp) * Double(denominator)
                if lhs >= rhs { best = (point.positives, denominator, point.threshold) }
            } else {
                best = (point.positives, denominator, point.threshold)
            }
            return true
        }
        guard let best else { return nil }
        return (2 * Double(best.tp) / Double(best.denominator), best.threshold)
    }

    /// F1 of "score ≥ threshold means defect" at a fixed threshold (0 when nothing is
    /// predicted or labeled defective); nil without scores.
    public static func f1(scores: [Double], labels: [Bool], threshold: Double) -> Double? {
        guard !scores.isEmpty, scores.count == labels.count, !scores.contains(where: \.isNaN) else { return nil }
        var tp = 0, fp = 0, fn = 0
        for (score, defect) in zip(scores, labels) {
            let flagged = score >= threshold
            if flagged && defect { tp += 1 } else if flagged { fp += 1 } else if defect { fn += 1 }
        }
        let denominator = 2 * tp + fp + fn
        return denominator == 0 ? 0 : 2 * Double(tp) / Double(denominator)
    }

    /// Pixel AUROC over all pixels of all images (maps and masks flattened; each map the size
    /// of its mask). Sorts once, O(n log n), so full test sets of millions of pixels are fine.
    public static func pixelAUROC(maps: [[Float]], masks: [[Bool]]) -> Double? {
        guard maps.count == masks.count else { return nil }
        var positives: [Double] = []
        var negatives: [Double] = []
        for (map, mask) in zip(maps, masks) {
            guard map.count == mask.count else { return nil }
            for (value, defective) in zip(map, mask) {
                if defective { positives.append(Double(value)) } else { negatives.append(Double(value)) }
            }
        }
        guard let sweep = ThresholdSweep(sortingPositives: positives, negatives: negatives) else { return nil }
        return auroc(sweep)
    }

    /// AUPRO as in Bergmann et al. / the MVTec AD evaluation code: regions are the
    /// 8-connected components of each mask; PRO(t) averages, over all regions, the covered
    /// fraction |region ∩ {map ≥ t}| / |region| (so a small defect counts as much as a large
    /// one); FPR(t) is over all normal pixels of all images. The PRO-over-FPR curve, from
    /// (0, 0) through every distinct threshold, is integrated with the trapezoidal rule up to
    /// `fprLimit` (interpolating the point at exactly `fprLimit`) and divided by `fprLimit`.
    /// Maps and masks are row-major `width × height`. nil without regions, without normal
    /// pixels, with a size mismatch or with `fprLimit` outside (0, 1].
    public static func aupro(maps: [[Float]], masks: [[Bool]], width: Int, height: Int,
                             fprLimit: Double = 0.3) -> Double? {
        guard maps.count == masks.count, width > 0, height > 0, fprLimit > 0, fprLimit <= 1 else { return nil }
        let (pixelCount, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow else { return nil }
        var defectScores: [Double] = []
        var regionOfDefect: [Int] = []
        var normalScores: [Double] = []
        var regionSizes: [Int] = []
        for (map, mask) in zip(maps, masks) {
            guard map.count == pixelCount, mask.count == pixelCount else { return nil }
            let labels = DefectRegions.label(mask: mask, width: width, height: height,
                                             firstRegion: regionSizes.count)
            regionSizes.append(contentsOf: labels.sizes)
            for k in 0..<pixelCount {
                let region = labels.regionOfPixel[k]
                if region != DefectRegions.normal {
                    defectScores.append(Double(map[k]))
                    regionOfDefect.append(region)
                } else {
                    normalScores.append(Double(map[k]))
                }
            }
        }
        guard !regionSizes.isEmpty, !normalScores.isEmpty else { return nil }
        let weights = regionOfDefect.map { 1 / Double(regionSizes[$0]) }
        guard let sweep = ThresholdSweep(sortingPositives: defectScores, weights: weights,
                                         negatives: normalScores) else { return nil }

        let regionCount = Double(regionSizes.count)
        let normalCount = Double(normalScores.count)
        var area = 0.0
        var previous = (fpr: 0.0, pro: 0.0)
        sweep.forEachPoint { point in
            let fpr = Double(point.negatives) / normalCount
            let pro = min(point.positiveMass / regionCount, 1)
            if fpr < fprLimit {
                area += (fpr - previous.fpr) * (pro + previous.pro) / 2
                previous = (fpr, pro)
                return true
            }
            // Crossing (or reaching) the limit: close the area at exactly fprLimit. Later
            // points at fpr == fprLimit are vertical and add nothing.
            let proAtLimit = fpr == fprLimit ? pro
                : previous.pro + (pro - previous.pro) * (fprLimit - previous.fpr) / (fpr - previous.fpr)
            area += (fprLimit - previous.fpr) * (proAtLimit + previous.pro) / 2
            return false
        }
        // The last point has FPR = 1 >= fprLimit, so the sweep always closes the area.
        return area / fprLimit
    }

    /// Mean and sample standard deviation (n − 1), the usual "mean ± std over seeds/classes"
    /// of results tables; std is 0 for one value, both are NaN for none.
    public static func meanAndStd(_ values: [Double]) -> (mean: Double, std: Double) {
        guard !values.isEmpty else { return (.nan, .nan) }
        let mean = values.reduce(0, +) / Double(values.count)
        guard values.count > 1 else { return (mean, 0) }
        // Two passes: subtracting the mean first avoids the cancellation of Σx² − n·mean².
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (mean, (squares / Double(values.count - 1)).squareRoot())
    }

    /// Trapezoidal area under the tie-grouped ROC curve; a tie across classes is a diagonal
    /// step, which is exactly the half credit of Mann–Whitney U.
    private static func auroc(_ sweep: ThresholdSweep) -> Double? {
        guard sweep.positiveCount > 0, sweep.negativeCount > 0 else { return nil }
        var twiceArea = 0.0
        var previous = (tp: 0, fp: 0)
        sweep.forEachPoint { point in
            twiceArea += Double(point.negatives - previous.fp) * Double(point.positives + previous.tp)
            previous = (point.positives, point.negatives)
            return true
        }
        return twiceArea / (2 * Double(sweep.positiveCount) * Double(sweep.negativeCount))
    }
}
