extension DefectClassifier {
    /// Labelled, unit-normalised features with the products every method's fit and leave-one-out
    /// loop reuses. Both trainable methods only ever look at features through these cosines, so
    /// leave-one-out costs O(n²) per refit instead of O(n · E).
    struct TrainingSet {
        /// Unit features, `[n, E]`.
        let features: Rows
        /// Class index of each feature.
        let labels: [Int]
        /// Number of classes.
        let classCount: Int
        /// Logit scale applied to cosines.
        let scale: Double
        /// Row-major `[n, n]` feature cosines (the Gram matrix).
        let gram: [Float]
        /// Row-major `[n, C]` cosines of each feature to each class's text weight.
        let textScores: [Float]

        init(features: Rows, labels: [Int], text: Rows, scale: Double) {
            self.features = features
            self.labels = labels
            self.classCount = text.count
            self.scale = scale
            self.gram = features.products(with: features)
            self.textScores = features.products(with: text)
        }

        /// Number of samples.
        var count: Int { labels.count }

        /// Zero-shot logits of sample `index`; no training is involved, so they are their own
        /// leave-one-out logits.
        func zeroShotLogits(_ index: Int) -> [Double] {
            (0 ..< classCount).map { scale * Double(textScores[index * classCount + $0]) }
        }

        /// Largest eigenvalue of the Gram matrix by power iteration from the all-ones vector
        /// (which overlaps the top eigenvector of a non-negative-dominated Gram), padded by 10 %
        /// because the iteration approaches it from below.
        func gramSpectralBound(iterations: Int = 60) -> Double {
            let n = count
            guard n > 0 else { return 0 }
            var vector = [Double](repeating: 1 / Double(n).squareRoot(), count: n)
            var estimate = 0.0
            for _ in 0 ..< iterations {
                var next = [Double](repeating: 0, count: n)
                for row in 0 ..< n {
                    var sum = 0.0
                    for column in 0 ..< n { sum += Double(gram[row * n + column]) * vector[column] }
                    next[row] = sum
                }
                let norm = next.reduce(0) { $0 + $1 * $1 }.squareRoot()
                guard norm > 0 else { return 0 }
                estimate = norm
                vector = next.map { $0 / norm }
            }
            return min(Double(n), 1.1 * estimate)
        }
    }
}
