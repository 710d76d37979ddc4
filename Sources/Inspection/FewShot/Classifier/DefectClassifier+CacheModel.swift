import Foundation

extension DefectClassifier {
    /// Tip-Adapter's training-free cache model (Zhang et al., 2022): the labelled features are
    /// keys, their one-hot labels values; a query's logits are the zero-shot logits plus
    /// `alpha · Σ exp(-beta (1 - cos(query, key))) · onehot(label)`. It adds the labelled
    /// evidence without any optimisation, so it is the natural middle ground between zero-shot
    /// and a trained probe.
    struct CacheModel: Sendable, Equatable, Codable {
        /// Unit training features, `[n, E]`.
        var keys: Rows
        /// Class index of each key.
        var labels: [Int]
        /// Weight of the cache against the zero-shot logits.
        var alpha: Double
        /// Sharpness of the affinity: larger values listen only to very close keys.
        var beta: Double

        /// Search grid. Tip-Adapter searches alpha, beta in about (0, 3] × (0, 7]; alpha goes
        /// higher here because poor defect descriptions give zero-shot logits that a small cache
        /// could never correct.
        static let alphas: [Double] = [0.5, 1, 2, 4, 8, 16, 32]
        static let betas: [Double] = [1, 3, 5.5, 8]

        /// Picks alpha and beta by leave-one-out on the whole set and returns the model with its
        /// nested leave-one-out probabilities: for each held-out sample the grid is searched again
        /// on the other samples only, so neither the cache nor the hyper-parameters ever see it.
        static func fit(_ set: TrainingSet) -> (model: CacheModel, leaveOneOut: [[Double]]) {
            let n = set.count
            let c = set.classCount
            let zeroShot = (0 ..< n).flatMap(set.zeroShotLogits)
            // Per beta: affinity [n, n] with a zero diagonal, and votes [n, C], the affinity sums
            // per class over all other samples.
            var affinities = [[Double]]()
            var votes = [[Double]]()
            for beta in betas {
                var affinity = [Double](repeating: 0, count: n * n)
                var vote = [Double](repeating: 0, count: n * c)
                for j in 0 ..< n {
                    for k in 0 ..< n where k != j {
                        let value = exp(-beta * (1 - Double(set.gram[j * n + k])))
                        affinity[j * n + k] = value
                        vote[j * c + set.labels[k]] += value
                    }
                }
                affinities.append(affinity)
                votes.append(vote)
            }
            let grid = alphas.flatMap { alpha in betas.indices.map { GridPoint(alpha: alpha, beta: $0) } }
            let search = Search(set: set, zeroShot: zeroShot, affinities: affinities, votes: votes)

            let leaveOneOut = (0 ..< n).map { held in
                Scores.softmax(search.logits(held, search.best(of: grid, removed: held), removed: nil))
            }
            let chosen = search.best(of: grid, removed: nil)
            let model = CacheModel(keys: set.features, labels: set.labels, alpha: chosen.alpha,
                                   beta: betas[chosen.beta])
            return (model, leaveOneOut)
        }

        /// An (alpha, index into `betas`) pair.
        struct GridPoint {
            var alpha: Double
            var beta: Int
        }

        /// The leave-one-out grid search over precomputed affinities.
        struct Search {
            let set: TrainingSet
            /// `[n, C]` zero-shot logits.
            let zeroShot: [Double]
            /// Per beta, `[n, n]` affinities (zero diagonal).
            let affinities: [[Double]]
            /// Per beta, `[n, C]` affinity sums per class over the other samples.
            let votes: [[Double]]

            /// Logits of sample `j` from a cache of all other samples except `removed`.
            func logits(_ j: Int, _ point: GridPoint, removed: Int?) -> [Double] {
                let c = set.classCount
                var row = (0 ..< c).map { zeroShot[j * c + $0] + point.alpha * votes[point.beta][j * c + $0] }
                if let removed {
                    row[set.labels[removed]] -= point.alpha * affinities[point.beta][j * set.count + removed]
                }
                return row
            }

            /// Best grid point judged on every sample but `removed`: most correct, then lowest
            /// cross-entropy, then first in grid order. Written as `while` loops over raw
            /// buffers: it runs n · grid · n times per fit, also in unoptimised test builds.
            func best(of grid: [GridPoint], removed: Int?) -> GridPoint {
                let n = set.count
                let c = set.classCount
                let skipped = removed ?? -1
                var best = grid[0]
                var bestCorrect = -1
                var bestLoss = Double.infinity
                var row = [Double](repeating: 0, count: c)
                for point in grid {
                    var correct = 0
                    var loss = 0.0
                    zeroShot.withUnsafeBufferPointer { zeroBuffer in
                        votes[point.beta].withUnsafeBufferPointer { voteBuffer in
                            affinities[point.beta].withUnsafeBufferPointer { affinityBuffer in
                                set.labels.withUnsafeBufferPointer { labelBuffer in
                                    row.withUnsafeMutableBufferPointer { rowBuffer in
                                        guard let zs = zeroBuffer.baseAddress, let vote = voteBuffer.baseAddress,
                                              let affinity = affinityBuffer.baseAddress,
                                              let labels = labelBuffer.baseAddress, let r = rowBuffer.baseAddress
                                        else { return }
                                        let alpha = point.alpha
                                        let removedLabel = removed.map { labels[$0] } ?? -1
                                        var j = 0
                                        while j < n {
                                            defer { j += 1 }
                                            if j == skipped { continue }
                                            var k = 0
                                            while k < c {
                                                r[k] = zs[j * c + k] + alpha * vote[j * c + k]
                                                k += 1
                                            }
                                            if removedLabel >= 0 {
                                                r[removedLabel] -= alpha * affinity[j * n + skipped]
                                            }
                                            var top = 0
                                            k = 1
                                            while k < c {
                                                if r[k] > r[top] { top = k }
                                                k += 1
                                            }
                                            var sum = 0.0
                                            k = 0
                                            while k < c {
                                                sum += exp(r[k] - r[top])
                                                k += 1
                                            }
                                            let label = labels[j]
                                            if top == label { correct += 1 }
                                            loss += r[top] + log(sum) - r[label]
                                        }
                                    }
                                }
                            }
                        }
                    }
                    if correct > bestCorrect || (correct == bestCorrect && loss < bestLoss) {
                        best = point
                        bestCorrect = correct
                        bestLoss = loss
                    }
                }
                return best
            }
        }

        /// `[q, C]` cache logits (without the zero-shot part) of unit query rows.
        func cacheLogits(_ queries: Rows, classCount: Int) -> [[Double]] {
            let products = queries.products(with: keys)
            let n = keys.count
            return (0 ..< queries.count).map { q in
                var row = [Double](repeating: 0, count: classCount)
                for k in 0 ..< n {
                    row[labels[k]] += alpha * exp(-beta * (1 - Double(products[q * n + k])))
                }
                return row
            }
        }
    }
}
