/// Runs the vision tower for one input size, tap list and DPAM setting. Everything that
/// depends only on those (the interpolated positional table, validation) is done once here,
/// so per-image work is the forward pass alone.
public struct ImageEncoder: Sendable {
    /// The vision weights.
    public let tower: VisionTower
    /// Input height in pixels.
    public let inputHeight: Int
    /// Input width in pixels.
    public let inputWidth: Int
    /// 1-based blocks whose tokens are returned, in the order given.
    public let taps: [Int]
    /// DPAM dual-path blocks, or nil for plain CLIP.
    public let dualPath: DualPathSetting?
    /// Positional table for this input's grid.
    public let positions: Tensor
    /// Buffers reused image after image.
    private let workspaces: WorkspacePool

    /// Patch grid rows (`inputHeight / patch`, remainder pixels ignored as conv1 does).
    public var gridRows: Int { inputHeight / tower.patchSize }
    /// Patch grid columns.
    public var gridColumns: Int { inputWidth / tower.patchSize }
    /// Sequence length: class token plus patches.
    public var tokenCount: Int { 1 + gridRows * gridColumns }

    /// Validates the configuration against the tower.
    public init(tower: VisionTower, inputHeight: Int, inputWidth: Int, taps: [Int],
                dualPath: DualPathSetting?) throws {
        let p = tower.patchSize
        guard inputHeight >= p, inputWidth >= p else {
            throw EngineError.invalidArgument(
                name: "inputSize", reason: "\(inputWidth)x\(inputHeight) is smaller than one \(p)px patch")
        }
        let layers = tower.blocks.count
        for tap in taps where !(1...layers).contains(tap) {
            throw EngineError.invalidArgument(
                name: "taps", reason: "layer \(tap) is outside 1...\(layers) (1-based block index)")
        }
        if let dualPath, !(1...(layers + 1)).contains(dualPath.firstBlock) {
            throw EngineError.invalidArgument(
                name: "dualPath.firstBlock", reason: "\(dualPath.firstBlock) is outside 1...\(layers + 1)")
        }
        self.tower = tower
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.taps = taps
        self.dualPath = dualPath
        positions = tower.positionalEmbedding(gridRows: inputHeight / p, gridColumns: inputWidth / p)
        let tokens = 1 + (inputHeight / p) * (inputWidth / p)
        let width = tower.width
        let mlpWidth = tower.blocks.first?.fc.outFeatures ?? 4 * width
        let patchValues = (tokens - 1) * 3 * p * p
        workspaces = WorkspacePool {
            ImageWorkspace(tokens: tokens, width: width, mlpWidth: mlpWidth, patchValues: patchValues)
        }
    }

    /// Encodes one normalised image given as planar RGB [3, inputHeight, inputWidth].
    public func encode(_ pixels: UnsafeBufferPointer<Float>) throws -> ImageEncoding {
        guard pixels.count == 3 * inputHeight * inputWidth, let base = pixels.baseAddress else {
            throw EngineError.invalidArgument(
                name: "pixels",
                reason: "expected 3x\(inputHeight)x\(inputWidth) = \(3 * inputHeight * inputWidth) values, got \(pixels.count)")
        }
        return run(base)
    }

    /// Encodes one normalised image held in an array (planar RGB).
    public func encode(_ pixels: [Float]) throws -> ImageEncoding {
        try pixels.withUnsafeBufferPointer { try encode($0) }
    }

    /// The token sequence entering block 1 (`ln_pre(patches + positions)`, [tokens, W]), a
    /// debugging aid compared with the reference's ln_pre hook.
    public func embeddedTokens(_ pixels: [Float]) throws -> Tensor {
        guard pixels.count == 3 * inputHeight * inputWidth else {
            throw EngineError.invalidArgument(
                name: "pixels", reason: "expected \(3 * inputHeight * inputWidth) values, got \(pixels.count)")
        }
        let w = tower.width
        let stream = Tensor(zeros: [tokenCount, w])
        pixels.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            workspaces.withWorkspace { embedPatches(base, into: stream.pointer, patches: $0.patches) }
        }
        tower.lnPre.apply(rows: tokenCount, inPlace: stream.pointer)
        return stream
    }

    private func run(_ pixels: UnsafePointer<Float>) -> ImageEncoding {
        workspaces.withWorkspace { run(pixels, workspace: $0) }
    }

    private func run(_ pixels: UnsafePointer<Float>, workspace: ImageWorkspace) -> ImageEncoding {
        let w = tower.width
        let n = tokenCount
        let scratch = workspace.scratch
        let x = workspace.stream
        embedPatches(pixels, into: x, patches: workspace.patches)
        tower.lnPre.apply(rows: n, inPlace: x)

        var valueStreamStarted = false
        let vv = workspace.valueStream
        var tapped = [Int: Tensor]()
        for (index, block) in tower.blocks.enumerated() {
            let layer = index + 1
            if let dualPath, dualPath.isDual(block: layer) {
                if !valueStreamStarted {
                    vv.update(from: x, count: n * w)
                    valueStreamStarted = true
                }
                block.forwardDualPath(original: x, valueValue: vv, tokens: n, scratch: scratch)
                if taps.contains(layer) { tapped[layer] = project(vv, rows: n, scratch: scratch) }
            } else {
                block.forward(x, rows: n, sequences: [0..<n], causal: false, scratch: scratch)
                if taps.contains(layer) { tapped[layer] = project(x, rows: n, scratch: scratch) }
            }
            ProgressTick.tick()
        }
        let embedding = project(x, rows: 1, scratch: scratch)
        let raw = projectRaw(x)
        return ImageEncoding(imageEmbedding: embedding.values, classFeature: raw,
                             patchTokens: taps.compactMap { tapped[$0] }, taps: taps,
                             gridRows: gridRows, gridColumns: gridColumns)
    }

    /// conv1 as im2col + GEMM, class token in row 0, plus positions.
    private func embedPatches(_ pixels: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>,
                              patches: UnsafeMutablePointer<Float>) {
        let p = tower.patchSize
        let w = tower.width
        let rows = gridRows
        let cols = gridColumns
        let patchLength = 3 * p * p
        let plane = inputHeight * inputWidth
        for gy in 0..<rows {
            for gx in 0..<cols {
                var dst = patches + (gy * cols + gx) * patchLength
                for c in 0..<3 {
                    for ky in 0..<p {
                        let src = pixels + c * plane + (gy * p + ky) * inputWidth + gx * p
                        dst.update(from: src, count: p)
                        dst += p
                    }
                }
            }
        }
        BLAS.gemm(transB: true, m: rows * cols, n: w, k: patchLength,
                  a: patches, lda: patchLength, b: tower.patchEmbedding.pointer, ldb: patchLength,
                  c: x + w, ldc: w)
        x.update(from: tower.classEmbedding.pointer, count: w)
        let pos = positions.pointer
        for i in 0..<(tokenCount * w) { x[i] += pos[i] }
    }

    /// `ln_post(rows) @ proj` into a new [rows, E] tensor.
    private func project(_ source: UnsafePointer<Float>, rows: Int, scratch: InferenceScratch) -> Tensor {
        let w = tower.width
        let e = tower.embedDim
        tower.lnPost.apply(rows: rows, input: source, inputStride: w, output: scratch.normed)
        let out = Tensor(zeros: [rows, e])
        BLAS.gemm(m: rows, n: e, k: w, a: scratch.normed, lda: w, b: tower.projection.pointer, ldb: e,
                  c: out.pointer, ldc: e)
        return out
    }

    /// `CLS @ proj` without ln_post (AnomalyCLIP's image feature).
    private func projectRaw(_ x: UnsafePointer<Float>) -> [Float] {
        let w = tower.width
        let e = tower.embedDim
        var out = [Float](repeating: 0, count: e)
        out.withUnsafeMutableBufferPointer { buffer in
            guard let dst = buffer.baseAddress else { return }
            BLAS.gemm(m: 1, n: e, k: w, a: x, lda: w, b: tower.projection.pointer, ldb: e, c: dst, ldc: e)
        }
        return out
    }
}
