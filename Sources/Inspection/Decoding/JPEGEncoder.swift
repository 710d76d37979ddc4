import CImageCodecs

/// Baseline JPEG writing, for synthetic camera frames in benchmarks and end-to-end tests
/// (inspectd itself only reads JPEGs).
public enum JPEGEncoder {
    /// Encodes RGB8 at `quality` (1…100), 4:2:0, optionally progressive.
    public static func encodeRGB8(_ image: RGBImage, quality: Int = 92, progressive: Bool = false) throws -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var length = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = image.pixels.withUnsafeBufferPointer { input in
            inspectd_jpeg_encode(input.baseAddress, input.count, UInt32(image.width), UInt32(image.height), 3,
                                 Int32(min(max(quality, 1), 100)), progressive ? INSPECTD_JPEG_PROGRESSIVE : 0,
                                 &output, &length, &message, message.count)
        }
        defer { inspectd_free(output) }
        guard status == INSPECTD_OK, let output else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw InspectionError.encodeFailed(path: "<memory>", reason: "JPEG encoder status \(status): \(text)")
        }
        return Array(UnsafeBufferPointer(start: output, count: length))
    }
}
