import Foundation

/// AnomalyCLIP's train.py objective with its gradient with respect to the raw text features:
/// image-level cross-entropy on `normalize(image) · normalize(text)ᵀ / T` plus, per used
/// feature layer, focal + two binary Dice losses on the bilinearly upsampled patch
/// probabilities; `seg = lambda · Σ layers`, `total = seg + image`.
public struct AnomalyCLIPLoss: Sendable {
    /// Similarity temperature (upstream's fixed 0.07).
    public var temperature: Float = 0.07
    /// Weight of the segmentation terms (train.py multiplies the sum by 4).
    public var segmentationWeight: Float = 4
    /// Focal loss gamma.
    public var focalGamma: Float = 2
    /// Focal loss smoothing (one-hot clamp and pt offset).
    public var focalSmooth: Float = 1e-5

    /// train.py's settings.
    public init() {}

    /// The frozen image side of one batch.
    public struct Batch: Sendable {
        /// Raw image features [B][E] (AnomalyCLIP `classFeature`), not normalised.
        public var imageFeatures: [[Float]]
        /// Per image, per used layer: patch tokens [1 + G·G, E] (CLS first), not normalised.
        public var patchTokens: [[Tensor]]
        /// Patch grid rows.
        public var gridRows: Int
        /// Patch grid columns.
        public var gridColumns: Int
        /// Ground-truth masks [B][S·S] (0/1) at the map size.
        public var groundTruth: [[Float]]
        /// Map (and mask) height S.
        public var mapHeight: Int
        /// Map (and mask) width.
        public var mapWidth: Int
        /// Image labels (0 normal, 1 anomalous).
        public var labels: [Int]

        /// Bundles one batch; all per-image arrays have the same count.
        public init(imageFeatures: [[Float]], patchTokens: [[Tensor]], gridRows: Int, gridColumns: Int,
                    groundTruth: [[Float]], mapHeight: Int, mapWidth: Int, labels: [Int]) {
            self.imageFeatures = imageFeatures
            self.patchTokens = patchTokens
            self.gridRows = gridRows
            self.gridColumns = gridColumns
            self.groundTruth = groundTruth
            self.mapHeight = mapHeight
            self.mapWidth = mapWidth
            self.labels = labels
        }
    }

    /// Loss values and the gradient of `total` with respect to the raw text features.
    public struct Result: Sendable {
        /// [B, 2] logits.
        public var imageLogits: [Float]
        /// [B, layers, G·G, 2] patch probabilities (CLS dropped).
        public var patchProbabilities: [Float]
        /// Cross-entropy of the image logits, mean over the batch.
        public var imageLoss: Float
        /// Focal loss per used layer.
        public var focal: [Float]
        /// `BinaryDice(map[:, 1], gt)` per used layer.
        public var diceAnomalous: [Float]
        /// `BinaryDice(map[:, 0], 1 − gt)` per used layer.
        public var diceNormal: [Float]
        /// `segmentationWeight · Σ layers (focal + dice + dice)`.
        public var segmentation: Float
        /// `segmentation + imageLoss`.
        public var total: Float
        /// d total / d raw text features [2][E] (normal, anomalous).
        public var textFeatureGradient: [[Float]]
    }

    /// Loss and gradient for raw text features `text` [2][E] (normal, anomalous).
    public func evaluate(text: [[Float]], batch: Batch) -> Result {
        let e = text[0].count
        let b = batch.imageFeatures.count
        let t = temperature
        // normalised text [2, E]
        var tn = [Float](repeating: 0, count: 2 * e)
        var tNorm: [Float] = [0, 0]
        var dTn = [Float](repeating: 0, count: 2 * e)
        tn.withUnsafeMutableBufferPointer { tp in
            for c in 0..<2 {
                text[c].withUnsafeBufferPointer { src in
                    tNorm[c] = Backprop.l2NormalizeForward(src.baseAddress!, count: e, y: tp.baseAddress! + c * e)
                }
            }
        }
        // image-level cross-entropy
        var logits = [Float](repeating: 0, count: b * 2)
        var imageLoss: Float = 0
        for i in 0..<b {
            let f = VectorMath.normalized(batch.imageFeatures[i])
            var z: [Float] = [0, 0]
            for c in 0..<2 {
                var s: Float = 0
                for k in 0..<e { s += f[k] * tn[c * e + k] }
                z[c] = s / t
            }
            logits[2 * i] = z[0]
            logits[2 * i + 1] = z[1]
            let mx = max(z[0], z[1])
            let lse = mx + logf(expf(z[0] - mx) + expf(z[1] - mx))
            imageLoss += (lse - z[batch.labels[i]]) / Float(b)
            for c in 0..<2 {
                let p = expf(z[c] - lse)
                let dz = (p - (c == batch.labels[i] ? 1 : 0)) / Float(b)
                for k in 0..<e { dTn[c * e + k] += dz * f[k] / t }
            }
        }
        // segmentation
        let layers = batch.patchTokens.first?.count ?? 0
        let gr = batch.gridRows, gc = batch.gridColumns
        let patches = gr * gc
        let sh = batch.mapHeight, sw = batch.mapWidth
        let pixels = sh * sw
        var probsOut = [Float](repeating: 0, count: b * layers * patches * 2)
        var focal = [Float](repeating: 0, count: layers)
        var diceA = [Float](repeating: 0, count: layers)
        var diceN = [Float](repeating: 0, count: layers)
        let probs = Tensor(zeros: [b, patches, 2])   // softmax probabilities per image
        let maps = Tensor(zeros: [b, 2, sh, sw])     // upsampled
        let dMaps = Tensor(zeros: [b, 2, sh, sw])
        let dProbs = Tensor(zeros: [patches, 2])
        let pnAll = Tensor(zeros: [b, patches, e])
        let inLayout = BilinearResize.Layout.interleaved(width: gc, channels: 2)
        let outLayout = BilinearResize.Layout.planar(height: sh, width: sw)
        let smooth = focalSmooth
        let lo = smooth, hi = 1 - smooth
        for l in 0..<layers {
            for i in 0..<b {
                let tokens = batch.patchTokens[i][l].pointer
                let pnp = pnAll.pointer + i * patches * e
                for p in 0..<patches {
                    Backprop.l2NormalizeForward(tokens + (1 + p) * e, count: e, y: pnp + p * e)
                }
                let pr = probs.pointer + i * patches * 2
                // sim[P, 2] = pn tnᵀ / T, softmax over the 2 classes
                tn.withUnsafeBufferPointer { tp in
                    BLAS.gemm(transB: true, m: patches, n: 2, k: e, alpha: 1 / t, a: pnp, lda: e,
                              b: tp.baseAddress!, ldb: e, c: pr, ldc: 2)
                }
                for p in 0..<patches { Softmax.softmaxRow(pr + 2 * p, count: 2) }
                for k in 0..<(patches * 2) { probsOut[(i * layers + l) * patches * 2 + k] = pr[k] }
                BilinearResize.resize(channels: 2, input: pr, inHeight: gr, inWidth: gc, inLayout: inLayout,
                                      output: maps.pointer + i * 2 * pixels, outHeight: sh, outWidth: sw,
                                      outLayout: outLayout)
            }
            // focal loss over B·H·W pixels
            dMaps.pointer.update(repeating: 0, count: b * 2 * pixels)
            let count = Float(b * pixels)
            var focalSum = 0.0  // Double: 2·S² terms
            for i in 0..<b {
                let gt = batch.groundTruth[i]
                let m0 = maps.pointer + i * 2 * pixels, m1 = m0 + pixels
                let d0 = dMaps.pointer + i * 2 * pixels, d1 = d0 + pixels
                for q in 0..<pixels {
                    let anomalous = gt[q] > 0.5
                    let oh0: Float = anomalous ? lo : hi
                    let oh1: Float = anomalous ? hi : lo
                    let pt = oh0 * m0[q] + oh1 * m1[q] + smooth
                    let logpt = logf(pt)
                    let om = 1 - pt
                    focalSum += Double(-powf(om, focalGamma) * logpt)
                    let dpt = (focalGamma * powf(om, focalGamma - 1) * logpt - powf(om, focalGamma) / pt) / count
                    d0[q] += oh0 * dpt
                    d1[q] += oh1 * dpt
                }
            }
            focal[l] = Float(focalSum / Double(count))
            // Dice(map[:,1], gt) and Dice(map[:,0], 1 − gt)
            var lossA: Float = 0, lossN: Float = 0
            for i in 0..<b {
                let gt = batch.groundTruth[i]
                for (channel, positive) in [(1, true), (0, false)] {
                    let m = maps.pointer + (i * 2 + channel) * pixels
                    let d = dMaps.pointer + (i * 2 + channel) * pixels
                    var inter = 0.0, sp = 0.0, st = 0.0
                    for q in 0..<pixels {
                        let target = positive ? gt[q] : 1 - gt[q]
                        inter += Double(m[q] * target)
                        sp += Double(m[q])
                        st += Double(target)
                    }
                    let den = Float(sp + st + 1)
                    let num = Float(2 * inter + 1)
                    let dice = num / den
                    if positive { lossA -= dice / Float(b) } else { lossN -= dice / Float(b) }
                    for q in 0..<pixels {
                        let target = positive ? gt[q] : 1 - gt[q]
                        d[q] += -(2 * target * den - num) / (den * den) / Float(b)
                    }
                }
            }
            diceA[l] = 1 + lossA
            diceN[l] = 1 + lossN
            // back to the text features (seg weight applied)
            for i in 0..<b {
                dProbs.pointer.update(repeating: 0, count: patches * 2)
                Backprop.bilinearResizeBackward(channels: 2, dOutput: dMaps.pointer + i * 2 * pixels,
                                                outHeight: sh, outWidth: sw, outLayout: outLayout,
                                                dInput: dProbs.pointer, inHeight: gr, inWidth: gc, inLayout: inLayout)
                let pr = probs.pointer + i * patches * 2
                Backprop.softmaxBackward(dy: dProbs.pointer, y: pr, rows: patches, columns: 2, stride: 2,
                                         dx: dProbs.pointer)
                // dTn[2, E] += (w/T) dSimᵀ[2, P] pn[P, E]
                dTn.withUnsafeMutableBufferPointer { dp in
                    BLAS.gemm(transA: true, m: 2, n: e, k: patches, alpha: segmentationWeight / t,
                              a: dProbs.pointer, lda: 2, b: pnAll.pointer + i * patches * e, ldb: e, beta: 1,
                              c: dp.baseAddress!, ldc: e)
                }
            }
        }
        withExtendedLifetime((probs, maps, dMaps, dProbs, pnAll)) {}
        var segSum: Float = 0
        for l in 0..<layers { segSum += focal[l] + diceA[l] + diceN[l] }
        let seg = segmentationWeight * segSum
        // normalisation backward
        var dText = [[Float]](repeating: [Float](repeating: 0, count: e), count: 2)
        for c in 0..<2 {
            dTn.withUnsafeBufferPointer { dp in
                tn.withUnsafeBufferPointer { tp in
                    dText[c].withUnsafeMutableBufferPointer { out in
                        Backprop.l2NormalizeBackward(dy: dp.baseAddress! + c * e, y: tp.baseAddress! + c * e,
                                                     norm: tNorm[c], count: e, dx: out.baseAddress!)
                    }
                }
            }
        }
        return Result(imageLogits: logits, patchProbabilities: probsOut, imageLoss: imageLoss, focal: focal,
                      diceAnomalous: diceA, diceNormal: diceN, segmentation: seg, total: seg + imageLoss,
                      textFeatureGradient: dText)
    }
}
