import Engine
import Foundation

extension DefectClassifier {
    /// A linear probe in the LP++ / CLAP family. Class `c` scores `scale · W_c · x` with
    /// `W_c = γ_c T_c + D_c`: LP++'s class-wise multiplier `γ_c` of the text weight `T_c` plus a
    /// learned visual offset `D_c`. Training starts at the text weights (`γ = 1`, `D = 0`) and
    /// runs full-batch gradient descent on
    /// `mean CE + Σ_c (pull_c / 2) · ((γ_c - 1)² + ||D_c||²)`, an L2 pull back towards the text
    /// weights. Starting at and being pulled towards the text keeps what CLIP already knows when
    /// there are only a few samples per class; the multiplier lets the data switch off a
    /// description that points the wrong way, which an offset alone can only do with a huge norm.
    /// As in CLAP, the pull is class-adaptive: strong for a class whose own samples zero-shot
    /// already gets right (its description is trustworthy), weak where it misleads.
    ///
    /// Every gradient step adds a combination of the training features to `D`, so `D = A · X`
    /// for coefficients `A` of shape `[C, n]`. Training runs on `A` and `γ` with the Gram matrix
    /// (exactly the same iterates as in the embedding space), which makes a leave-one-out refit
    /// independent of E: the held-out sample gets weight 0, its coefficient stays 0, and the
    /// pulls are computed without it. Nesterov's accelerated gradient with step `1 / L` from a
    /// Lipschitz bound (as LP++ derives its step sizes, instead of a searched learning rate)
    /// converges in a few hundred steps and is fully deterministic.
    struct LinearProbe: Sendable, Equatable, Codable {
        /// `[C, E]` class weights (not unit length: their norm is part of the fit).
        var weights: Rows

        /// Gradient steps per fit.
        static let steps = 200
        /// Pulls (in units of the mean cross-entropy) for a class whose samples zero-shot
        /// classifies with certainty, and for a class without samples.
        static let strongPull = 50.0
        /// Pull on `γ_c` for a class whose samples zero-shot gives probability 0: nearly free,
        /// so a misleading description is switched off by one number per class rather than
        /// overruled by memorising the samples.
        static let weakTextPull = 0.1
        /// Pull on `D_c` for such a class: kept high enough that the offset learns the class's
        /// direction, not each sample's noise.
        static let weakOffsetPull = 10.0

        /// A trained probe in dual form.
        struct Solution {
            /// `[C, n]` row-major: `D_c = Σ_j coefficients[c, j] · x_j`.
            var coefficients: [Float]
            /// `γ_c`, the weight of each class's text embedding.
            var textScales: [Float]
        }

        /// Fits on the whole set and returns the probe with its leave-one-out probabilities (one
        /// refit per sample, that sample excluded).
        static func fit(_ set: TrainingSet, text: Rows) -> (probe: LinearProbe, leaveOneOut: [[Double]]) {
            let spectral = set.gramSpectralBound()
            let full = train(set, excluding: nil, spectralBound: spectral)
            var scaledText = [Float]()
            scaledText.reserveCapacity(text.values.count)
            for c in 0 ..< text.count {
                scaledText.append(contentsOf: text.row(c).map { $0 * full.textScales[c] })
            }
            let base = Rows(width: text.width, count: text.count, values: scaledText)
            let probe = LinearProbe(weights: set.features.combination(full.coefficients, rows: set.classCount, adding: base))
            let leaveOneOut = (0 ..< set.count).map { held -> [Double] in
                Scores.softmax(logits(set, train(set, excluding: held, spectralBound: spectral), sample: held))
            }
            return (probe, leaveOneOut)
        }

        /// Logits of training sample `sample` under a solution: `scale · (γ_c T_c + A_c X) · x`.
        static func logits(_ set: TrainingSet, _ solution: Solution, sample: Int) -> [Double] {
            let n = set.count
            let c = set.classCount
            return (0 ..< c).map { k in
                var cosine = Double(solution.textScales[k]) * Double(set.textScores[sample * c + k])
                for j in 0 ..< n {
                    cosine += Double(solution.coefficients[k * n + j]) * Double(set.gram[j * n + sample])
                }
                return set.scale * cosine
            }
        }

        /// Trains on every sample but `held`.
        static func train(_ set: TrainingSet, excluding held: Int?, spectralBound: Double) -> Solution {
            let n = set.count
            let c = set.classCount
            let used = n - (held == nil ? 0 : 1)
            var solution = Solution(coefficients: [Float](repeating: 0, count: c * n),
                                    textScales: [Float](repeating: 1, count: c))
            guard used > 0, c > 0 else { return solution }

            let trust = classTrust(set, excluding: held)
            let offsetPulls = trust.map { weakOffsetPull + (strongPull - weakOffsetPull) * $0 }
            let textPulls = trust.map { weakTextPull + (strongPull - weakTextPull) * $0 }
            let scale = set.scale
            let strongest = strongPull
            let weakest = textPulls.min() ?? weakTextPull
            // Per class the probe sees (T_c · x, x): curvature ≤ λmax(XᵀX)/n + max (T_c · x)².
            let textCurvature = Double(set.textScores.map { $0 * $0 }.max() ?? 1)
            let curvature = min(1, spectralBound / Double(used)) + textCurvature
            let lipschitz = scale * scale / 2 * curvature + strongest
            let step = Float(1 / lipschitz)
            let root = (lipschitz / weakest).squareRoot()
            let momentum = Float((root - 1) / (root + 1))
            let gradientScale = Float(scale / Double(used))
            let s = Float(scale)

            // One scratch block. [C, n]: a, aPrevious, look-ahead y, gradient g; [n, C]: cosines z;
            // per class: probabilities, γ, γ previous, γ look-ahead, γ gradient, pulls; per sample:
            // weight (0 for the held-out sample). The hot loops are `while` loops over raw
            // pointers because tests run unoptimised builds, where range iteration is not inlined
            // and would make leave-one-out several times slower.
            let cn = c * n
            let block = UnsafeMutableBufferPointer<Float>.allocate(capacity: 5 * cn + 7 * c + n)
            defer { block.deallocate() }
            block.initialize(repeating: 0)
            guard let a = block.baseAddress else { return solution }
            let aPrevious = a + cn, y = a + 2 * cn, g = a + 3 * cn, z = a + 4 * cn
            let p = a + 5 * cn, gamma = p + c, gammaPrevious = p + 2 * c, gammaLook = p + 3 * c
            let gammaGradient = p + 4 * c, offsetPull = p + 5 * c, textPull = p + 6 * c, weight = p + 7 * c
            for k in 0 ..< c {
                gamma[k] = 1
                gammaPrevious[k] = 1
                offsetPull[k] = Float(offsetPulls[k])
                textPull[k] = Float(textPulls[k])
            }
            for j in 0 ..< n { weight[j] = j == held ? 0 : 1 }

            set.gram.withUnsafeBufferPointer { gramBuffer in
                set.textScores.withUnsafeBufferPointer { scoreBuffer in
                    set.labels.withUnsafeBufferPointer { labelBuffer in
                        guard let gram = gramBuffer.baseAddress, let scores = scoreBuffer.baseAddress,
                              let labels = labelBuffer.baseAddress else { return }
                        var iteration = 0
                        while iteration < steps {
                            iteration += 1
                            var i = 0
                            while i < cn {
                                y[i] = a[i] + momentum * (a[i] - aPrevious[i])
                                i += 1
                            }
                            var k = 0
                            while k < c {
                                gammaLook[k] = gamma[k] + momentum * (gamma[k] - gammaPrevious[k])
                                gammaGradient[k] = 0
                                k += 1
                            }
                            // Cosines of every sample to the look-ahead weights: γ ⊙ textScores + K · Yᵀ.
                            i = 0
                            while i < cn {
                                z[i] = gammaLook[i % c] * scores[i]
                                i += 1
                            }
                            BLAS.gemm(transB: true, m: n, n: c, k: n, a: gram, lda: n, b: y, ldb: n,
                                      beta: 1, c: z, ldc: c)
                            var j = 0
                            while j < n {
                                let row = z + j * c
                                var top = row[0]
                                k = 1
                                while k < c {
                                    if row[k] > top { top = row[k] }
                                    k += 1
                                }
                                var sum: Float = 0
                                k = 0
                                while k < c {
                                    // Below e^-60 a class is irrelevant next to the top one (weight 1),
                                    // and expf's underflow path is slow.
                                    let shifted = s * (row[k] - top)
                                    p[k] = shifted < -60 ? 0 : expf(shifted)
                                    sum += p[k]
                                    k += 1
                                }
                                let label = labels[j]
                                let w = weight[j] / sum
                                k = 0
                                while k < c {
                                    let residual = w * p[k] - (k == label ? weight[j] : 0)
                                    g[k * n + j] = residual
                                    gammaGradient[k] += residual * scores[j * c + k]
                                    k += 1
                                }
                                j += 1
                            }
                            k = 0
                            while k < c {
                                i = k * n
                                while i < (k + 1) * n {
                                    aPrevious[i] = a[i]
                                    a[i] = y[i] - step * (gradientScale * g[i] + offsetPull[k] * y[i])
                                    i += 1
                                }
                                gammaPrevious[k] = gamma[k]
                                gamma[k] = gammaLook[k]
                                    - step * (gradientScale * gammaGradient[k] + textPull[k] * (gammaLook[k] - 1))
                                k += 1
                            }
                        }
                    }
                }
            }
            for i in 0 ..< cn { solution.coefficients[i] = a[i] }
            for k in 0 ..< c { solution.textScales[k] = gamma[k] }
            return solution
        }

        /// CLAP-style trust in each class's description, 0...1: the mean zero-shot probability of
        /// the true class over that class's samples (held-out sample excluded); 1 without samples.
        static func classTrust(_ set: TrainingSet, excluding held: Int?) -> [Double] {
            var confidence = [Double](repeating: 0, count: set.classCount)
            var counts = [Int](repeating: 0, count: set.classCount)
            for j in 0 ..< set.count where j != held {
                let label = set.labels[j]
                confidence[label] += Scores.softmax(set.zeroShotLogits(j))[label]
                counts[label] += 1
            }
            return (0 ..< set.classCount).map { k in
                counts[k] > 0 ? confidence[k] / Double(counts[k]) : 1
            }
        }

        /// `[q, C]` logits of unit query rows.
        func logits(_ queries: Rows, scale: Double) -> [[Double]] {
            let products = queries.products(with: weights)
            let c = weights.count
            return (0 ..< queries.count).map { q in (0 ..< c).map { scale * Double(products[q * c + $0]) } }
        }
    }
}
