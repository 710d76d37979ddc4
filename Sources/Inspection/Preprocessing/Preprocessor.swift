/// How an image of any aspect ratio becomes the square model input.
public enum ResizeMode: String, Sendable, Codable, CaseIterable {
    /// AnomalyCLIP's own transform, `Resize((S, S))`: both axes scaled independently, so the
    /// whole part is scored but round things look oval. This is what its checkpoints were
    /// trained and evaluated with.
    case squash
    /// Keep the aspect ratio: the longer side becomes S and the image is centred on an S x S
    /// canvas whose bars are the CLIP mean colour (rgb 123, 117, 104 for the CLIP mean), so
    /// the bars normalise to about 0 and carry no signal. Nothing is cut off or distorted.
    case pad
    /// open_clip's validation transform: the shorter side becomes S, then the centre S x S is
    /// kept. Matches plain CLIP evaluation but never sees the ends of a long part.
    case crop
}

/// Where the pixels of the model input came from in the original image, so anomaly maps
/// (aligned with the input) can be drawn on and reported in original-image coordinates.
///
/// Layout: the original is resized to `resizedWidth` x `resizedHeight`, and input pixel
/// (u, v) shows resized pixel (u + offsetX, v + offsetY). Crop offsets are positive (the
/// crop's top-left corner); pad offsets are negative (minus the bar width/height).
///
/// Points use the pixel-centre convention: integer coordinates are pixel centres, so
/// (-0.5, -0.5) is the top-left corner of an image and input pixel (u, v) maps to the
/// original location its centre was resampled from (as Pillow's resampler places it).
public struct InputGeometry: Sendable, Equatable, Codable {
    public let originalWidth: Int
    public let originalHeight: Int
    public let inputSize: Int
    /// Size of the resized image before the crop or pad.
    public let resizedWidth: Int
    public let resizedHeight: Int
    /// input(u, v) = resized(u + offsetX, v + offsetY).
    public let offsetX: Int
    public let offsetY: Int
    public let mode: ResizeMode

    /// The layout `mode` gives an `originalWidth` x `originalHeight` image at input size
    /// `inputSize` (sizes below 1 are treated as 1).
    ///
    /// crop follows torchvision exactly: `Resize(S)` puts the shorter side at S and the longer
    /// at `int(S * long / short)` (truncated), `CenterCrop(S)` cuts at
    /// `int(round((W - S) / 2))` with Python's half-to-even round, and pads with zeros
    /// (centred, the odd pixel on the right/bottom) on an axis shorter than S.
    public init(originalWidth: Int, originalHeight: Int, inputSize: Int, mode: ResizeMode) {
        let w = Swift.max(originalWidth, 1)
        let h = Swift.max(originalHeight, 1)
        let s = Swift.max(inputSize, 1)
        self.originalWidth = w
        self.originalHeight = h
        self.inputSize = s
        self.mode = mode
        switch mode {
        case .squash:
            resizedWidth = s
            resizedHeight = s
            offsetX = 0
            offsetY = 0
        case .crop:
            // torchvision: short, long = (w, h) if w <= h else (h, w)
            let short = Swift.min(w, h), long = Swift.max(w, h)
            let newLong = Int(Double(s * long) / Double(short))
            (resizedWidth, resizedHeight) = w <= h ? (s, newLong) : (newLong, s)
            offsetX = Self.centerCropOffset(resized: resizedWidth, crop: s)
            offsetY = Self.centerCropOffset(resized: resizedHeight, crop: s)
        case .pad:
            let short = Swift.min(w, h), long = Swift.max(w, h)
            let newShort = Swift.max(1, Int((Double(s * short) / Double(long)).rounded()))
            (resizedWidth, resizedHeight) = w >= h ? (s, newShort) : (newShort, s)
            offsetX = -((s - resizedWidth) / 2)
            offsetY = -((s - resizedHeight) / 2)
        }
    }

    /// torchvision's CenterCrop offset along one axis: the rounded centre when the image is
    /// large enough, else minus the zero padding it adds before the (then trivial) crop.
    static func centerCropOffset(resized: Int, crop: Int) -> Int {
        if resized < crop { return -((crop - resized) / 2) }
        return Int((Double(resized - crop) / 2).rounded(.toNearestOrEven))
    }

    /// The original-image point whose resampled value input point (u, v) shows.
    public func originalPoint(inputX u: Double, inputY v: Double) -> (x: Double, y: Double) {
        let sx = Double(originalWidth) / Double(Swift.max(resizedWidth, 1))
        let sy = Double(originalHeight) / Double(Swift.max(resizedHeight, 1))
        return ((u + Double(offsetX) + 0.5) * sx - 0.5, (v + Double(offsetY) + 0.5) * sy - 0.5)
    }

    /// Where original point (x, y) lands in the input; may fall outside 0 ..< inputSize
    /// (cropped away).
    public func inputPoint(originalX x: Double, originalY y: Double) -> (u: Double, v: Double) {
        let sx = Double(resizedWidth) / Double(Swift.max(originalWidth, 1))
        let sy = Double(resizedHeight) / Double(Swift.max(originalHeight, 1))
        return ((x + 0.5) * sx - 0.5 - Double(offsetX), (y + 0.5) * sy - 0.5 - Double(offsetY))
    }

    /// The input pixels that show image content: the whole input for squash and crop, the
    /// image without its bars for pad. Statistics over the map should be taken here only.
    public func validInputRect() -> (x: Int, y: Int, width: Int, height: Int) {
        let x0 = Swift.max(0, -offsetX), y0 = Swift.max(0, -offsetY)
        let x1 = Swift.min(inputSize, resizedWidth - offsetX), y1 = Swift.min(inputSize, resizedHeight - offsetY)
        return (x0, y0, Swift.max(0, x1 - x0), Swift.max(0, y1 - y0))
    }
}

/// A model-ready image plus what is needed to map results back onto the original.
public struct PreprocessedImage: Sendable {
    /// Planar [3, S, S], RGB, `(u8 / 255 - mean) / std` in float32.
    public let pixels: [Float]
    /// The S x S uint8 image the floats were made from (overlays, parity with Pillow).
    public let resized: RGBImage
    public let geometry: InputGeometry

    public init(pixels: [Float], resized: RGBImage, geometry: InputGeometry) {
        self.pixels = pixels
        self.resized = resized
        self.geometry = geometry
    }
}

/// Decoded image -> model input, bit-identical to the Python pipelines the checkpoints were
/// made with (Pillow bicubic resize, torchvision ToTensor + Normalize), so scores computed
/// here equal the reference implementation's rather than merely resembling them.
public struct Preprocessor: Sendable {
    /// OpenAI CLIP's normalisation. Given as doubles and rounded to float32 once, as
    /// `torch.tensor(mean, dtype=float32)` does, so the constants match torch's bit for bit.
    public static let clipMean: [Float] = [0.48145466, 0.4578275, 0.40821073].map { (v: Double) in Float(v) }
    public static let clipStd: [Float] = [0.26862954, 0.26130258, 0.27577711].map { (v: Double) in Float(v) }

    /// Side of the square model input (S).
    public var inputSize: Int
    public var mode: ResizeMode
    /// Per-channel RGB mean and standard deviation on the 0...1 scale.
    public var mean: [Float]
    public var std: [Float]

    /// Validates the settings: 1 <= inputSize <= 4096, three finite means and three finite
    /// positive standard deviations.
    public init(inputSize: Int, mode: ResizeMode = .squash, mean: [Float] = clipMean, std: [Float] = clipStd) throws {
        guard (1...4096).contains(inputSize) else {
            throw InspectionError.invalidSetting(name: "input_size", value: "\(inputSize)", reason: "must be between 1 and 4096")
        }
        guard mean.count == 3, mean.allSatisfy(\.isFinite) else {
            throw InspectionError.invalidSetting(name: "mean", value: "\(mean)", reason: "needs three finite per-channel values")
        }
        guard std.count == 3, std.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw InspectionError.invalidSetting(name: "std", value: "\(std)", reason: "needs three finite positive per-channel values")
        }
        self.inputSize = inputSize
        self.mode = mode
        self.mean = mean
        self.std = std
    }

    /// Resizes, crops or pads, and normalises one image.
    ///
    /// Never fails: settings changed after `init` are clamped (size to 1...4096, a malformed
    /// mean/std falls back to CLIP's), and an empty image is treated as one black pixel.
    public func callAsFunction(_ image: RGBImage) -> PreprocessedImage {
        let size = Swift.min(Swift.max(inputSize, 1), 4096)
        let source = image.width >= 1 && image.height >= 1
            ? image : RGBImage(width: 1, height: 1, pixels: [0, 0, 0])
        let geometry = InputGeometry(originalWidth: source.width, originalHeight: source.height,
                                     inputSize: size, mode: mode)
        let resized = PillowResampler.resizeBicubic(source, width: geometry.resizedWidth, height: geometry.resizedHeight)
        let (channelMean, channelStd) = channelStatistics()
        let canvas: RGBImage
        switch mode {
        case .squash:
            canvas = resized
        case .crop:
            canvas = Self.place(resized, geometry: geometry, fill: (0, 0, 0))
        case .pad:
            let fill = channelMean.map { UInt8(clamping: Int((Double($0) * 255).rounded())) }
            canvas = Self.place(resized, geometry: geometry, fill: (fill[0], fill[1], fill[2]))
        }
        let pixels = Self.normalise(canvas, mean: channelMean, std: channelStd)
        return PreprocessedImage(pixels: pixels, resized: canvas, geometry: geometry)
    }

    /// mean/std as validated by `init`, or CLIP's if they were since replaced by bad values.
    private func channelStatistics() -> ([Float], [Float]) {
        let meanOK = mean.count == 3 && mean.allSatisfy(\.isFinite)
        let stdOK = std.count == 3 && std.allSatisfy { $0.isFinite && $0 > 0 }
        return (meanOK ? mean : Self.clipMean, stdOK ? std : Self.clipStd)
    }

    /// The S x S input: resized(u + offsetX, v + offsetY) where that exists, `fill` elsewhere.
    static func place(_ resized: RGBImage, geometry g: InputGeometry, fill: (UInt8, UInt8, UInt8)) -> RGBImage {
        let s = g.inputSize
        if g.offsetX == 0, g.offsetY == 0, resized.width == s, resized.height == s { return resized }
        var out = [UInt8](repeating: 0, count: s * s * 3)
        if fill != (0, 0, 0) {
            for i in stride(from: 0, to: out.count, by: 3) {
                out[i] = fill.0
                out[i + 1] = fill.1
                out[i + 2] = fill.2
            }
        }
        let rect = g.validInputRect()
        guard rect.width > 0, rect.height > 0 else { return RGBImage(width: s, height: s, pixels: out) }
        resized.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for v in rect.y..<(rect.y + rect.height) {
                    let srcStart = ((v + g.offsetY) * resized.width + rect.x + g.offsetX) * 3
                    let dstStart = (v * s + rect.x) * 3
                    for i in 0..<(rect.width * 3) { dst[dstStart + i] = src[srcStart + i] }
                }
            }
        }
        return RGBImage(width: s, height: s, pixels: out)
    }

    /// torchvision's ToTensor + Normalize in float32: `(Float(u8) / 255 - mean) / std` with a
    /// true division (not a reciprocal multiply), tabulated per channel since only 256 inputs
    /// exist, and laid out planar CHW.
    static func normalise(_ image: RGBImage, mean: [Float], std: [Float]) -> [Float] {
        var table = [Float](repeating: 0, count: 3 * 256)
        for c in 0..<3 {
            for v in 0..<256 {
                table[c * 256 + v] = (Float(v) / 255 - mean[c]) / std[c]
            }
        }
        let plane = image.width * image.height
        var out = [Float](repeating: 0, count: 3 * plane)
        image.pixels.withUnsafeBufferPointer { src in
            table.withUnsafeBufferPointer { lut in
                out.withUnsafeMutableBufferPointer { dst in
                    for i in 0..<plane {
                        dst[i] = lut[Int(src[3 * i])]
                        dst[plane + i] = lut[256 + Int(src[3 * i + 1])]
                        dst[2 * plane + i] = lut[512 + Int(src[3 * i + 2])]
                    }
                }
            }
        }
        return out
    }
}
