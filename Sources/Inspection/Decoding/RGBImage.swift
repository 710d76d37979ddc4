/// An 8-bit RGB image, interleaved, rows top to bottom — the one pixel format decoding
/// produces and preprocessing consumes.
public struct RGBImage: Sendable, Equatable {
    /// Columns.
    public let width: Int
    /// Rows.
    public let height: Int
    /// `width · height · 3` bytes: R, G, B of pixel (x, y) at `3 · (y · width + x)`.
    public var pixels: [UInt8]

    /// Wraps pixel data; `pixels.count` must be `width · height · 3`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3, "RGBImage: pixel count does not match \(width)x\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}
