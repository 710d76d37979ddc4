import Foundation

extension DefectClassifier {
    /// Softmax arithmetic on one row of logits, kept in Double and shifted by the maximum so a
    /// logit scale of 100 cannot overflow.
    enum Scores {
        /// Probabilities of `logits`.
        static func softmax(_ logits: [Double]) -> [Double] {
            guard let top = logits.max() else { return [] }
            let exps = logits.map { exp($0 - top) }
            let sum = exps.reduce(0, +)
            return exps.map { $0 / sum }
        }

        /// `log Σ exp(logits)`, for the cross-entropy that breaks accuracy ties.
        static func logSumExp(_ logits: [Double]) -> Double {
            guard let top = logits.max() else { return -.infinity }
            return top + log(logits.reduce(0) { $0 + exp($1 - top) })
        }

        /// Index of the largest value; the first one on ties, so results never depend on the
        /// order of evaluation.
        static func argmax(_ values: [Double]) -> Int {
            var best = 0
            for index in values.indices where values[index] > values[best] { best = index }
            return best
        }
    }
}
