import Foundation

/// InMaP-style transductive refinement of the zero-shot class vectors (Qian et al., "Intra-Modal
/// Proxy Learning for Zero-Shot Visual Categorization with CLIP", NeurIPS 2023). A description's
/// text embedding is a proxy from the wrong modality: CLIP's text and image embeddings sit in
/// different cones, and a per-class offset (one description simply closer to every image) can
/// send all images to one class. Using a window of unlabelled images:
/// 1. soft pseudo-labels from the text cosines at CLIP's temperature, balanced over the classes
///    by Sinkhorn (a per-class offset is exactly a column scaling, so balancing removes it);
/// 2. image-space proxies, started at the text vectors, fitted to those pseudo-labels by
///    gradient descent on the cross-entropy at the image temperature, renormalised each step.
///
/// Balancing assumes every class is in the window, which on a line is often false (a new
/// defect type has a description but no images yet); forcing it would push a share of the
/// images onto the absent class and shift the others. So, beyond the paper, step 3 lets the
/// image clusters speak: an EM over the proxies with free class weights (means of the soft
/// assignments, as in spherical k-means), where proxies that converge onto the same cluster
/// are merged and empty ones dropped; then each surviving cluster is given to the class whose
/// text prefers it most *relative to that text's mean over all images* (an offset-free
/// affinity), greedily and one class per cluster. A class left without a cluster keeps its text
/// vector, which an image-space proxy out-scores on any image of a known cluster.
public struct ZeroShotRefinement: Sendable, Equatable {
    /// Temperature of the text cosines for the pseudo-labels (CLIP's 1/100).
    public var textTemperature = 0.01
    /// Temperature of the image-space proxies (the paper's τ_i).
    public var imageTemperature = 0.04
    /// Sinkhorn iterations.
    public var sinkhornIterations = 50
    /// Gradient steps of the proxy fit.
    public var proxySteps = 200
    /// Step size of the proxy fit, on the mean cross-entropy (rows are renormalised after
    /// each step, so this is roughly how far a proxy may turn per step).
    public var learningRate = 0.1
    /// EM rounds of the cluster pass.
    public var clusterRounds = 30
    /// Proxies closer than this cosine are one cluster.
    public var duplicateCosine = 0.98
    /// Fewer unlabelled images than this (or fewer than two per class) keep plain zero-shot.
    public var minimumImages = 8

    /// Defaults from the paper (temperatures) and the synthetic tests (the rest).
    public init() {}

    /// Refined unit class vectors, `[C, E]` in the order of `text`; nil (plain zero-shot) when
    /// there are too few images. `text` and `images` must be unit rows of one width.
    func refine(text: DefectClassifier.Rows, images: DefectClassifier.Rows) -> DefectClassifier.Rows? {
        let c = text.count, n = images.count
        guard c >= 2, n >= max(minimumImages, 2 * c) else { return nil }
        let cosines = images.products(with: text).map(Double.init)

        // 1. Balanced soft pseudo-labels [n, C], rows summing to 1.
        var pseudo = Self.softmaxRows(cosines, columns: c, temperature: textTemperature, prior: nil)
        Self.sinkhorn(&pseudo, rows: n, columns: c, iterations: sinkhornIterations)

        // 2. Image-space proxies fitted to them.
        var proxies = text
        let step = learningRate / (Double(n) * imageTemperature)
        var coefficients = [Float](repeating: 0, count: c * n)
        for _ in 0 ..< proxySteps {
            let predicted = Self.softmaxRows(images.products(with: proxies).map(Double.init), columns: c,
                                             temperature: imageTemperature, prior: nil)
            for i in 0 ..< n {
                for k in 0 ..< c { coefficients[k * n + i] = Float(-step * (predicted[i * c + k] - pseudo[i * c + k])) }
            }
            proxies = Self.normalised(images.combination(coefficients, rows: c, adding: proxies), fallback: proxies)
        }

        // 3. Clusters with free weights; duplicates merged, empty ones dropped.
        var weights = [Double](repeating: 1 / Double(c), count: c)
        var alive = [Bool](repeating: true, count: c)
        var assignment = [Double](repeating: 0, count: n * c)
        let zero = DefectClassifier.Rows(width: text.width, count: c, values: [Float](repeating: 0, count: c * text.width))
        for _ in 0 ..< clusterRounds {
            let prior = zip(weights, alive).map { $1 ? log(max($0, 1e-300)) : -Double.infinity }
            assignment = Self.softmaxRows(images.products(with: proxies).map(Double.init), columns: c,
                                          temperature: imageTemperature, prior: prior)
            for k in 0 ..< c {
                var sum = 0.0
                for i in 0 ..< n { sum += assignment[i * c + k] }
                weights[k] = sum / Double(n)
                for i in 0 ..< n { coefficients[k * n + i] = Float(assignment[i * c + k]) }
            }
            proxies = Self.normalised(images.combination(coefficients, rows: c, adding: zero), fallback: proxies)
            let products = proxies.products(with: proxies)
            for a in 0 ..< c where alive[a] {
                for b in (a + 1) ..< c where alive[b] && Double(products[a * c + b]) > duplicateCosine {
                    alive[b] = false
                    weights[a] += weights[b]
                    weights[b] = 0
                }
            }
            for k in 0 ..< c where weights[k] < 1e-3 { alive[k] = false }
        }

        // Offset-free affinity of cluster k to class j: the text cosine averaged over the
        // cluster minus its average over all images.
        var classMeans = [Double](repeating: 0, count: c)
        for i in 0 ..< n { for j in 0 ..< c { classMeans[j] += cosines[i * c + j] / Double(n) } }
        var pairs = [(affinity: Double, cluster: Int, label: Int)]()
        for k in 0 ..< c where alive[k] {
            var mass = 0.0
            var sums = [Double](repeating: 0, count: c)
            for i in 0 ..< n {
                let w = assignment[i * c + k]
                mass += w
                for j in 0 ..< c { sums[j] += w * cosines[i * c + j] }
            }
            guard mass > 0 else { continue }
            for j in 0 ..< c { pairs.append((sums[j] / mass - classMeans[j], k, j)) }
        }
        pairs.sort { $0.affinity > $1.affinity || ($0.affinity == $1.affinity && ($0.cluster, $0.label) < ($1.cluster, $1.label)) }
        var values = text.values
        var usedClusters = Set<Int>(), usedLabels = Set<Int>()
        for pair in pairs where !usedClusters.contains(pair.cluster) && !usedLabels.contains(pair.label) {
            usedClusters.insert(pair.cluster)
            usedLabels.insert(pair.label)
            let w = text.width
            values.replaceSubrange(pair.label * w ..< (pair.label + 1) * w, with: proxies.row(pair.cluster))
        }
        return DefectClassifier.Rows(width: text.width, count: c, values: values)
    }

    /// Row-wise softmax of `values / temperature + prior` (`[rows, columns]` row-major).
    static func softmaxRows(_ values: [Double], columns: Int, temperature: Double, prior: [Double]?) -> [Double] {
        var out = values
        let rows = columns > 0 ? values.count / columns : 0
        for i in 0 ..< rows {
            var top = -Double.infinity
            for k in 0 ..< columns {
                out[i * columns + k] = values[i * columns + k] / temperature + (prior?[k] ?? 0)
                top = max(top, out[i * columns + k])
            }
            var sum = 0.0
            for k in 0 ..< columns {
                let e = out[i * columns + k] == -.infinity ? 0 : exp(out[i * columns + k] - top)
                out[i * columns + k] = e
                sum += e
            }
            for k in 0 ..< columns { out[i * columns + k] /= sum }
        }
        return out
    }

    /// Sinkhorn–Knopp: alternately scales columns to mass `rows / columns` and rows to 1, so the
    /// pseudo-labels give every class the same share of the images.
    static func sinkhorn(_ plan: inout [Double], rows: Int, columns: Int, iterations: Int) {
        let target = Double(rows) / Double(columns)
        var sums = [Double](repeating: 0, count: columns)
        for _ in 0 ..< iterations {
            for k in 0 ..< columns { sums[k] = 0 }
            for i in 0 ..< rows { for k in 0 ..< columns { sums[k] += plan[i * columns + k] } }
            for i in 0 ..< rows {
                for k in 0 ..< columns where sums[k] > 0 { plan[i * columns + k] *= target / sums[k] }
            }
            for i in 0 ..< rows {
                var sum = 0.0
                for k in 0 ..< columns { sum += plan[i * columns + k] }
                guard sum > 0 else { continue }
                for k in 0 ..< columns { plan[i * columns + k] /= sum }
            }
        }
    }

    /// Unit rows; a row that vanished keeps its previous value.
    static func normalised(_ rows: DefectClassifier.Rows, fallback: DefectClassifier.Rows) -> DefectClassifier.Rows {
        var values = rows.values
        let w = rows.width
        for k in 0 ..< rows.count {
            var norm: Float = 0
            for e in 0 ..< w { norm += values[k * w + e] * values[k * w + e] }
            norm = norm.squareRoot()
            if norm > 1e-12, norm.isFinite {
                for e in 0 ..< w { values[k * w + e] /= norm }
            } else {
                values.replaceSubrange(k * w ..< (k + 1) * w, with: fallback.row(k))
            }
        }
        return DefectClassifier.Rows(width: w, count: rows.count, values: values)
    }
}
