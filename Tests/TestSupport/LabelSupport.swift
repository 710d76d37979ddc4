import Foundation
import Inspection

/// Files and runs for label tests: a scratch folder, distinct test images, and inspectctl
/// with extra environment variables (the author comes from SUDO_USER / USER).
public enum LabelSupport {
    /// A `width`×`height` RGB image whose content differs with `seed`, so each file has its own hash.
    public static func image(width: Int, height: Int, seed: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = 3 * (y * width + x)
                pixels[i] = UInt8((x * 7 + seed * 13) % 256)
                pixels[i + 1] = UInt8((y * 5 + seed * 29) % 256)
                pixels[i + 2] = UInt8((seed * 37) % 256)
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    public static func writePNG(_ image: RGBImage, to path: String) throws {
        try createParent(path)
        try PNGEncoder.write(try PNGEncoder.encodeRGB8(image), to: path)
    }

    public static func write(_ bytes: [UInt8], to path: String) throws {
        try createParent(path)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    private static func createParent(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path,
                                                withIntermediateDirectories: true)
    }
}
