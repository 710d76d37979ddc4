import Engine
import Foundation

/// AnomalyCLIP's scoring (test.py): per map layer, softmax at temperature T over the cosine
/// similarities of each patch token with the (normal, anomalous) text vectors; the anomalous
/// evidence `(p_a + 1 − p_n)/2` upsampled bilinearly to the input size; summed over layers;
/// Gaussian-smoothed. The image probability is the same softmax on the image feature.
public struct AnomalyScorer: Sendable {
    /// Unit text vectors: row 0 normal, row 1 anomalous.
    public let textFeatures: [[Float]]
    /// Softmax temperature (AnomalyCLIP fixes 0.07, not the checkpoint's logit scale).
    public var temperature: Float = 0.07
    /// Indices into the encoder's taps whose maps are used (AnomalyCLIP: all from
    /// `feature_map_layer[0]` on).
    public var mapLayers: [Int]
    /// Smoothing of the summed map.
    public var smoothing: GaussianFilter
    /// Map side in pixels (the model input size).
    public let mapSize: Int

    /// A scorer for `textFeatures` (normalised here) producing `mapSize`² maps.
    public init(textFeatures: [[Float]], mapLayers: [Int], mapSize: Int, sigma: Double = 4) throws {
        guard textFeatures.count == 2, textFeatures[0].count == textFeatures[1].count, !textFeatures[0].isEmpty else {
            throw InspectionError.invalidSetting(name: "textFeatures", value: "\(textFeatures.map(\.count))",
                                                 reason: "need two vectors of equal length (normal, anomalous)")
        }
        guard mapSize > 0 else {
            throw InspectionError.invalidSetting(name: "mapSize", value: "\(mapSize)", reason: "must be positive")
        }
        self.textFeatures = textFeatures.map(VectorMath.normalized)
        self.mapLayers = mapLayers
        self.mapSize = mapSize
        smoothing = GaussianFilter(sigma: sigma)
    }

    /// (p_normal, p_anomalous) for one feature vector (normalised here).
    public func probabilities(_ feature: [Float]) -> (normal: Float, anomalous: Float) {
        let f = VectorMath.normalized(feature)
        return softmax2(VectorMath.dot(f, textFeatures[0]) / temperature, VectorMath.dot(f, textFeatures[1]) / temperature)
    }

    @inline(__always)
    private func softmax2(_ a: Float, _ b: Float) -> (Float, Float) {
        let m = max(a, b)
        let ea = expf(a - m)
        let eb = expf(b - m)
        return (ea / (ea + eb), eb / (ea + eb))
    }

    /// Per-patch (p_normal, p_anomalous) of one tap's tokens [1 + G², E] (CLS dropped),
    /// interleaved as [G², 2]: eight channels at a time, patches split across the engine's
    /// workers (`patchProbabilitiesNaive` is the scalar twin).
    public func patchProbabilities(_ tokens: Tensor) -> [Float] {
        let e = tokens.shape.last ?? 0
        let patches = max((tokens.shape.first ?? 1) - 1, 0)
        var out = [Float](repeating: 0, count: 2 * patches)
        let base = UnsafePointer(tokens.pointer) + e
        let lanes = 8
        let body = e - e % lanes
        textFeatures[0].withUnsafeBufferPointer { n in
            textFeatures[1].withUnsafeBufferPointer { a in
                out.withUnsafeMutableBufferPointer { o in
                    guard let t0 = n.baseAddress, let t1 = a.baseAddress, let dst = o.baseAddress else { return }
                    let raw0 = UnsafeRawPointer(t0)
                    let raw1 = UnsafeRawPointer(t1)
                    Workers.forEachChunk(patches, minimumPerChunk: 64) { range in
                        for p in range {
                            let row = base + p * e
                            let rawRow = UnsafeRawPointer(row)
                            var sq = SIMD8<Float>(), d0 = SIMD8<Float>(), d1 = SIMD8<Float>()
                            var c = 0
                            while c < body {
                                let offset = c * MemoryLayout<Float>.stride
                                let v = rawRow.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                                sq += v * v
                                d0 += v * raw0.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                                d1 += v * raw1.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                                c += lanes
                            }
                            var sqs = sq.sum(), dot0 = d0.sum(), dot1 = d1.sum()
                            for c in body..<e {
                                sqs += row[c] * row[c]
                                dot0 += row[c] * t0[c]
                                dot1 += row[c] * t1[c]
                            }
                            let inv = 1 / max(sqs.squareRoot(), .leastNormalMagnitude)
                            let (pn, pa) = softmax2(dot0 * inv / temperature, dot1 * inv / temperature)
                            dst[2 * p] = pn
                            dst[2 * p + 1] = pa
                        }
                    }
                }
            }
        }
        return out
    }

    /// Twin of `patchProbabilities`: one patch and one channel at a time.
    public func patchProbabilitiesNaive(_ tokens: Tensor) -> [Float] {
        let e = tokens.shape.last ?? 0
        let patches = max((tokens.shape.first ?? 1) - 1, 0)
        var out = [Float](repeating: 0, count: 2 * patches)
        let t0 = textFeatures[0]
        let t1 = textFeatures[1]
        let base = tokens.pointer
        for p in 0..<patches {
            let row = base + (p + 1) * e
            var sq: Float = 0
            var d0: Float = 0
            var d1: Float = 0
            for c in 0..<e {
                let v = row[c]
                sq += v * v
                d0 += v * t0[c]
                d1 += v * t1[c]
            }
            let inv = 1 / max(sq.squareRoot(), .leastNormalMagnitude)
            let (pn, pa) = softmax2(d0 * inv / temperature, d1 * inv / temperature)
            out[2 * p] = pn
            out[2 * p + 1] = pa
        }
        return out
    }

    /// The anomalous-evidence map of one tap, upsampled to `mapSize`². Upstream resizes both
    /// class planes (PyTorch bilinear, align_corners=False) and then combines them; bilinear
    /// weights sum to one, so combining first, `(p_a + 1 − p_n)/2` on the G² grid, and resizing
    /// that one plane (`BilinearResize.resizePlane`) is the same map at half the work.
    /// `layerMapNaive` is the upstream order.
    public func layerMap(patchProbabilities probs: [Float], gridRows: Int, gridColumns: Int) -> [Float] {
        let s = mapSize
        let cells = gridRows * gridColumns
        guard probs.count >= 2 * cells else { return layerMapNaive(patchProbabilities: probs, gridRows: gridRows, gridColumns: gridColumns) }
        var evidence = [Float](repeating: 0, count: cells)
        for i in 0..<cells { evidence[i] = (probs[2 * i + 1] + 1 - probs[2 * i]) / 2 }
        var map = [Float](repeating: 0, count: s * s)
        evidence.withUnsafeBufferPointer { src in
            map.withUnsafeMutableBufferPointer { dst in
                guard let i = src.baseAddress, let o = dst.baseAddress else { return }
                BilinearResize.resizePlane(input: i, inHeight: gridRows, inWidth: gridColumns,
                                           output: o, outHeight: s, outWidth: s)
            }
        }
        return map
    }

    /// Twin of `layerMap` in upstream's order: both planes resized, then combined.
    public func layerMapNaive(patchProbabilities probs: [Float], gridRows: Int, gridColumns: Int) -> [Float] {
        let s = mapSize
        var planes = [Float](repeating: 0, count: 2 * s * s)
        probs.withUnsafeBufferPointer { src in
            planes.withUnsafeMutableBufferPointer { dst in
                guard let i = src.baseAddress, let o = dst.baseAddress else { return }
                BilinearResize.resize(channels: 2, input: i, inHeight: gridRows, inWidth: gridColumns,
                                      inLayout: .interleaved(width: gridColumns, channels: 2),
                                      output: o, outHeight: s, outWidth: s, outLayout: .planar(height: s, width: s))
            }
        }
        var map = [Float](repeating: 0, count: s * s)
        for i in 0..<(s * s) { map[i] = (planes[s * s + i] + 1 - planes[i]) / 2 }
        return map
    }

    /// Scores one encoded image.
    public func score(_ encoding: ImageEncoding) throws -> AnomalyScores {
        for index in mapLayers where !encoding.patchTokens.indices.contains(index) {
            throw InspectionError.invalidSetting(
                name: "mapLayers", value: "\(mapLayers)",
                reason: "index \(index) is not one of the \(encoding.patchTokens.count) tapped layers")
        }
        let image = probabilities(encoding.classFeature)
        var patchProbs = [[Float]]()
        var layerMaps = [[Float]]()
        var sum = [Float](repeating: 0, count: mapSize * mapSize)
        for index in mapLayers {
            let probs = patchProbabilities(encoding.patchTokens[index])
            let map = layerMap(patchProbabilities: probs, gridRows: encoding.gridRows, gridColumns: encoding.gridColumns)
            Self.accumulate(map, into: &sum)
            patchProbs.append(probs)
            layerMaps.append(map)
            ProgressTick.tick() // a 518-px map per layer; see ProgressTick
        }
        let smoothed = smoothing.apply(sum, width: mapSize, height: mapSize)
        ProgressTick.tick()
        return AnomalyScores(imageProbabilities: image, patchProbabilities: patchProbs, layerMaps: layerMaps,
                             summedMap: sum, smoothedMap: smoothed, mapSize: mapSize)
    }

    /// `sum += map` element-wise (vectorised: no bounds checks in the loop).
    public static func accumulate(_ map: [Float], into sum: inout [Float]) {
        let n = min(map.count, sum.count)
        map.withUnsafeBufferPointer { m in
            sum.withUnsafeMutableBufferPointer { s in
                for i in 0..<n { s[i] += m[i] }
            }
        }
    }
}
