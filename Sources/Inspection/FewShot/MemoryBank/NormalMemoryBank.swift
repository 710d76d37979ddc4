import Engine

/// The few-shot normal memory (WinCLIP+ / PatchCore): the unit-length patch tokens of
/// labelled-good images, one bank per map layer. A test patch far (in cosine terms) from every
/// stored patch is evidence of an anomaly the text prompts may not describe.
///
/// Each layer's bank is one contiguous row-major [M, E] `[Float]`: an array rather than a
/// `Tensor` so the bank keeps value semantics (copies made before `add` stay unchanged) and
/// grows by amortised appends.
public struct NormalMemoryBank: Sendable {
    /// Width of every stored patch vector.
    public let embedDim: Int
    /// Number of map layers (indices into `ImageEncoding.patchTokens`).
    public let layerCount: Int
    /// Good images added (a coreset keeps the count of the bank it was taken from).
    public private(set) var imageCount: Int

    /// Per layer, `patchCounts[l] * embedDim` unit-length (or zero) vectors, row-major.
    var rows: [[Float]]
    /// Per layer, stored patches.
    var counts: [Int]
    /// Per added image, its rows in each layer: what leave-one-out skips. Empty for banks
    /// assembled from parts (a coreset or a stored bank no longer knows which row is whose).
    var imageRows: [[Range<Int>]] = []

    /// Most bytes of similarity scores one nearest-neighbour pass holds at once; the bank is
    /// walked in chunks of `max(1, scoreBudget / (4 · queries))` rows. Tests shrink it to
    /// exercise chunk boundaries.
    var scoreBudget: Int = NormalMemoryBank.defaultScoreBudget

    /// 16 MB: large enough that each gemm is thousands of columns wide (full BLAS speed), small
    /// enough to stay far below the bank itself.
    static let defaultScoreBudget = 16 << 20

    /// An empty bank. Negative sizes are clamped to 0; a bank of width 0 accepts no image.
    public init(embedDim: Int, layerCount: Int) {
        self.embedDim = max(0, embedDim)
        self.layerCount = max(0, layerCount)
        imageCount = 0
        rows = Array(repeating: [], count: max(0, layerCount))
        counts = Array(repeating: 0, count: max(0, layerCount))
    }

    /// A bank assembled from validated parts (coreset, deserialisation).
    init(embedDim: Int, imageCount: Int, rows: [[Float]], counts: [Int]) {
        self.embedDim = embedDim
        layerCount = rows.count
        self.imageCount = imageCount
        self.rows = rows
        self.counts = counts
    }

    /// Stored patches per layer.
    public var patchCounts: [Int] { counts }

    /// Adds the patch tokens (CLS dropped, L2-normalised) of one good image for the map layers
    /// `layers` (indices into `encoding.patchTokens`, one per bank layer). Everything is
    /// validated before anything is stored, so a rejected image leaves the bank unchanged.
    public mutating func add(_ encoding: ImageEncoding, layers: [Int]) throws {
        let tokens = try patchTokens(of: encoding, layers: layers)
        let e = embedDim
        var own = [Range<Int>]()
        for (l, layerTokens) in tokens.enumerated() {
            let n = layerTokens.shape[0] - 1
            let start = rows[l].count
            own.append(counts[l]..<(counts[l] + n))
            rows[l].append(contentsOf: repeatElement(0, count: n * e))
            rows[l].withUnsafeMutableBufferPointer { dst in
                guard let base = dst.baseAddress else { return }
                Self.normalizeRows(layerTokens.pointer + e, count: n, width: e, into: base + start)
            }
            counts[l] += n
        }
        if imageRows.count == imageCount { imageRows.append(own) }
        imageCount += 1
    }

    /// The token tensors of `layers`, after checking that they fit this bank: one index per
    /// bank layer, each in range, each [1 + rows·columns, embedDim] with at least one patch.
    func patchTokens(of encoding: ImageEncoding, layers: [Int]) throws -> [Tensor] {
        guard layers.count == layerCount else {
            throw InspectionError.invalidSetting(
                name: "layers", value: "\(layers)",
                reason: "the memory bank has \(layerCount) layers, so it needs \(layerCount) layer indices")
        }
        let patches = encoding.gridRows * encoding.gridColumns
        return try layers.map { index in
            guard encoding.patchTokens.indices.contains(index) else {
                throw InspectionError.invalidSetting(
                    name: "layers", value: "\(layers)",
                    reason: "index \(index) is not one of the \(encoding.patchTokens.count) tapped layers")
            }
            let t = encoding.patchTokens[index]
            guard t.shape.count == 2, t.shape[1] == embedDim else {
                throw InspectionError.invalidLabel(
                    item: "memory bank",
                    reason: "patch tokens of layer \(index) have shape \(t.shape); the bank stores \(embedDim)-wide patches")
            }
            guard patches > 0, t.shape[0] == 1 + patches else {
                throw InspectionError.invalidLabel(
                    item: "memory bank",
                    reason: "patch tokens of layer \(index) have \(t.shape[0]) rows; a \(encoding.gridRows)x"
                        + "\(encoding.gridColumns) grid needs \(1 + patches) (CLS first)")
            }
            return t
        }
    }

    /// Writes `count` rows of `width` values from `source` to `destination` scaled to unit
    /// length. A zero or non-finite row becomes zero (cosine 0, distance 1, to everything) so
    /// one bad token can never poison a nearest-neighbour maximum with NaN. Bank and queries
    /// both go through here, so an image compared with itself sees bit-identical vectors.
    static func normalizeRows(_ source: UnsafePointer<Float>, count: Int, width: Int,
                              into destination: UnsafeMutablePointer<Float>) {
        for r in 0..<count {
            let src = source + r * width
            let dst = destination + r * width
            var sq: Float = 0
            for c in 0..<width { sq += src[c] * src[c] }
            let norm = sq.squareRoot()
            if norm > 0, norm.isFinite {
                let inv = 1 / norm
                for c in 0..<width { dst[c] = src[c] * inv }
            } else {
                for c in 0..<width { dst[c] = 0 }
            }
        }
    }
}
