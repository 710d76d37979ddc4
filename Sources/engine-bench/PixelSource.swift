import Inspection

/// Random-texture PNGs, so every file has its own content.
struct PixelSource {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func png(side: Int) throws -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: side * side * 3)
        for i in pixels.indices {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            pixels[i] = UInt8(truncatingIfNeeded: state >> 56)
        }
        return try PNGEncoder.encodeRGB8(RGBImage(width: side, height: side, pixels: pixels))
    }
}
