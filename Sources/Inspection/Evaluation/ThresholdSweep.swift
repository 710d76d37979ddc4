/// Two classes of scores, each sorted once (descending), walked together from the highest
/// threshold down. Every ranking metric reads the same tie-grouped operating points from here,
/// so ties are treated identically everywhere: all samples with an equal score cross the
/// threshold together, as in sklearn's `_binary_clf_curve`.
struct ThresholdSweep {
    /// One operating point: the rule `score >= threshold` and what it predicts positive.
    struct Point {
        var threshold: Double
        /// Positives with score >= threshold.
        var positives: Int
        /// Sum of the positives' weights (equals `positives` when unweighted).
        var positiveMass: Double
        /// Negatives with score >= threshold.
        var negatives: Int
    }

    /// Positive scores, descending, with their weights in the same order (nil: all 1).
    private let positives: [Double]
    private let weights: [Double]?
    /// Negative scores, descending.
    private let negatives: [Double]

    var positiveCount: Int { positives.count }
    var negativeCount: Int { negatives.count }

    /// Nil when the counts differ or a score is NaN (a NaN has no rank, so no metric exists).
    init?(scores: [Double], labels: [Bool]) {
        guard scores.count == labels.count else { return nil }
        var positives: [Double] = []
        var negatives: [Double] = []
        positives.reserveCapacity(labels.count)
        negatives.reserveCapacity(labels.count)
        for (score, label) in zip(scores, labels) {
            if score.isNaN { return nil }
            if label { positives.append(score) } else { negatives.append(score) }
        }
        self.init(sortingPositives: positives, negatives: negatives)
    }

    /// Unweighted classes; nil when a score is NaN.
    init?(sortingPositives positives: [Double], negatives: [Double]) {
        guard !positives.contains(where: \.isNaN), !negatives.contains(where: \.isNaN) else { return nil }
        self.positives = positives.sorted(by: >)
        self.weights = nil
        self.negatives = negatives.sorted(by: >)
    }

    /// Weighted positives (e.g. 1 / region size for PRO); nil when a score is NaN or the
    /// weights do not match the positives.
    init?(sortingPositives positives: [Double], weights: [Double], negatives: [Double]) {
        guard positives.count == weights.count,
              !positives.contains(where: \.isNaN), !negatives.contains(where: \.isNaN) else { return nil }
        let order = positives.indices.sorted { positives[$0] > positives[$1] }
        self.positives = order.map { positives[$0] }
        self.weights = order.map { weights[$0] }
        self.negatives = negatives.sorted(by: >)
    }

    /// Calls `body` once per distinct score, highest first, with cumulative counts; `body`
    /// returns false to stop early. O(n) after the sort in `init`.
    func forEachPoint(_ body: (Point) -> Bool) {
        var point = Point(threshold: .infinity, positives: 0, positiveMass: 0, negatives: 0)
        var i = 0
        var j = 0
        while i < positives.count || j < negatives.count {
            let threshold: Double
            if i < positives.count, j < negatives.count {
                threshold = max(positives[i], negatives[j])
            } else if i < positives.count {
                threshold = positives[i]
            } else {
                threshold = negatives[j]
            }
            while i < positives.count, positives[i] == threshold {
                point.positiveMass += weights?[i] ?? 1
                i += 1
            }
            while j < negatives.count, negatives[j] == threshold {
                j += 1
            }
            point.threshold = threshold
            point.positives = i
            point.negatives = j
            if !body(point) { return }
        }
    }
}
