/// Puts a QA mask (drawn on the original image) onto the model's input grid, through the
/// same squash / crop / pad the image went through, so pixel losses compare like with like.
/// Nearest sampling keeps the mask binary, as AnomalyCLIP's `gt > 0.5` does after resizing.
public enum MaskProjection {
    /// The mask as 0/1 floats of `geometry.inputSize`² (row-major). `png` is a stored label
    /// mask; its size must be the image's original size.
    public static func project(png: [UInt8], geometry g: InputGeometry, name: String) throws -> [Float] {
        let mask = try MaskValidator.binaryPixels(png, name: name)
        guard mask.width == g.originalWidth, mask.height == g.originalHeight else {
            throw InspectionError.invalidMask(
                path: name, reason: "size \(mask.width)x\(mask.height) does not match the image \(g.originalWidth)x\(g.originalHeight)")
        }
        let s = g.inputSize
        var out = [Float](repeating: 0, count: s * s)
        let columns = (0..<s).map { u in sourceIndex(u + g.offsetX, resized: g.resizedWidth, original: g.originalWidth) }
        for v in 0..<s {
            guard let y = sourceIndex(v + g.offsetY, resized: g.resizedHeight, original: g.originalHeight) else { continue }
            let row = y * mask.width
            for u in 0..<s {
                if let x = columns[u], mask.pixels[row + x] != 0 { out[v * s + u] = 1 }
            }
        }
        return out
    }

    /// Original pixel whose area holds resized pixel `r`'s centre; nil in the padding.
    static func sourceIndex(_ r: Int, resized: Int, original: Int) -> Int? {
        guard r >= 0, r < resized, resized > 0 else { return nil }
        let x = Int((Double(r) + 0.5) * Double(original) / Double(resized))
        return min(max(x, 0), original - 1)
    }
}
