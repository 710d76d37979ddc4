import Foundation

extension DefectClassifier {
    /// The prototypical-network recipe (Snell et al., 2017) on CLIP features: a class is the
    /// normalised mean of its unit support features, and a query scores `scale · cos(query,
    /// prototype)`. Nothing is optimised, so it cannot overfit one or two shots the way a probe
    /// can, and unlike the cache it ignores a misleading description once a class has samples.
    /// A class without samples keeps its text weight, so it can still be predicted.
    struct Prototypes: Sendable, Equatable, Codable {
        /// Unit prototype per class, `[C, E]`, in `classes` order.
        var centroids: Rows

        /// Prototypes of the whole set and each sample's leave-one-out probabilities. Everything
        /// comes from the Gram matrix: with `S_c` the sum of class c's features,
        /// `cos(x_i, S_c) = (Σ_{k∈c} G_ik) / ‖S_c‖` and `‖S_c‖² = Σ_{j,k∈c} G_jk`; holding `x_i` out
        /// of its own class subtracts `G_ii` from the first sum and `2 Σ_{k∈c} G_ik − G_ii` from
        /// the second. A class left without samples falls back to the text cosine.
        static func fit(_ set: TrainingSet, text: Rows) -> (model: Prototypes, leaveOneOut: [[Double]]) {
            let n = set.count
            let c = set.classCount
            // toClass[i * C + k] = x_i · S_k; norms[k] = ‖S_k‖²; counts[k] = |class k|.
            var toClass = [Double](repeating: 0, count: n * c)
            var counts = [Int](repeating: 0, count: c)
            for i in 0 ..< n {
                counts[set.labels[i]] += 1
                for j in 0 ..< n { toClass[i * c + set.labels[j]] += Double(set.gram[i * n + j]) }
            }
            var norms = [Double](repeating: 0, count: c)
            for i in 0 ..< n { norms[set.labels[i]] += toClass[i * c + set.labels[i]] }

            var row = [Double](repeating: 0, count: c)
            let leaveOneOut = (0 ..< n).map { held -> [Double] in
                let own = set.labels[held]
                let self2 = Double(set.gram[held * n + held])
                for k in 0 ..< c {
                    var dot = toClass[held * c + k]
                    var norm2 = norms[k]
                    var members = counts[k]
                    if k == own {
                        dot -= self2
                        norm2 -= 2 * toClass[held * c + k] - self2
                        members -= 1
                    }
                    let cosine = members > 0 && norm2 > 1e-12
                        ? dot / norm2.squareRoot()
                        : Double(set.textScores[held * c + k])
                    row[k] = set.scale * cosine
                }
                return Scores.softmax(row)
            }

            var sums = [Float](repeating: 0, count: c * text.width)
            for i in 0 ..< n {
                let base = set.labels[i] * text.width
                let offset = i * text.width
                for e in 0 ..< text.width { sums[base + e] += set.features.values[offset + e] }
            }
            var values = [Float]()
            values.reserveCapacity(c * text.width)
            for k in 0 ..< c {
                let slice = sums[(k * text.width) ..< ((k + 1) * text.width)]
                let norm = slice.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
                if counts[k] > 0, norm > 1e-6, norm.isFinite {
                    values.append(contentsOf: slice.map { $0 / norm })
                } else {
                    values.append(contentsOf: text.row(k))
                }
            }
            return (Prototypes(centroids: Rows(width: text.width, count: c, values: values)), leaveOneOut)
        }

        /// `[q, C]` logits of unit query rows.
        func logits(_ queries: Rows, scale: Double) -> [[Double]] {
            let c = centroids.count
            let cosines = queries.products(with: centroids)
            return (0 ..< queries.count).map { q in (0 ..< c).map { scale * Double(cosines[q * c + $0]) } }
        }
    }
}
