import Foundation

extension DefectClassifier {
    /// Split-conformal calibration with the LAC score (Sadinle et al.): nonconformity `1 - p_true`
    /// of held-out predictions. Keeping the scores rather than one threshold lets `coverage` be
    /// changed after fitting without refitting.
    struct ConformalCalibration: Sendable, Equatable, Codable {
        /// Nonconformity scores, ascending.
        private(set) var scores: [Double]

        init(scores: [Double]) {
            self.scores = scores.sorted()
        }

        /// The `ceil((n + 1) · coverage)`-th smallest score; infinite when that rank exceeds n,
        /// i.e. when there are too few samples to promise the coverage with anything but all
        /// classes.
        func threshold(coverage: Double) -> Double {
            // The epsilon keeps 10 · 0.9 from rounding up to rank 10 through representation error.
            let rank = Int((Double(scores.count + 1) * coverage - 1e-9).rounded(.up))
            guard rank <= scores.count else { return .infinity }
            return scores[max(rank, 1) - 1]
        }

        /// Classes with `1 - p <= threshold`, most probable first. An empty LAC set becomes the top
        /// class: QA needs a type to look at, and adding a class can only raise coverage.
        func set(probabilities: [Double], coverage: Double) -> [Int] {
            let order = probabilities.indices.sorted {
                probabilities[$0] > probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 < $1)
            }
            let cut = threshold(coverage: coverage)
            let members = order.filter { 1 - probabilities[$0] <= cut }
            if members.isEmpty, let top = order.first { return [top] }
            return members
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            let scores = try container.decode([Double].self)
            guard !scores.isEmpty, scores.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1 }) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "calibration needs one or more scores in 0...1")
            }
            self.init(scores: scores)
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(scores)
        }
    }
}
