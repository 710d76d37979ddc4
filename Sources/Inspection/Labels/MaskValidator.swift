import CImageCodecs

/// Checks defect masks before they become training data. A mask that is the wrong size, or
/// that is anti-aliased, JPEG-compressed or colour-coded, would silently teach the pixel
/// metrics the wrong thing, so anything that is not plainly binary is refused rather than
/// thresholded. Accepted: PNG (gray, RGB with equal channels, palette, 1–16 bit) whose pixels
/// are 0 and one other value — 255, or 1 as label-index tools write it (65535 also for
/// 16-bit). The stored form is always an 8-bit gray PNG with 0 and 255.
public enum MaskValidator {
    /// Decodes a mask PNG, checks it is binary and `imageWidth`×`imageHeight`, and returns the
    /// normalised 0/255 gray PNG and the defect pixel count. Every failure (unreadable, not a
    /// PNG, wrong size, not binary) is ``InspectionError/invalidMask(path:reason:)``.
    public static func validate(maskPath: String, imageWidth: Int, imageHeight: Int) throws -> (png: [UInt8], defectPixels: Int) {
        try validate(png: try read(maskPath: maskPath), name: maskPath, imageWidth: imageWidth, imageHeight: imageHeight)
    }

    /// The bytes of a mask file, within the image budgets; unreadable → `.invalidMask`.
    public static func read(maskPath: String) throws -> [UInt8] {
        do {
            return try ImageDecoder(limits: decodeLimits).readFile(maskPath)
        } catch let error as InspectionError {
            throw InspectionError.invalidMask(path: maskPath, reason: reason(error, name: maskPath))
        }
    }

    /// The same checks on bytes in memory; `name` appears in errors. A nil size skips the
    /// size check (for images whose size is not known to the caller).
    public static func validate(png bytes: [UInt8], name: String, imageWidth: Int?,
                                imageHeight: Int?) throws -> (png: [UInt8], defectPixels: Int) {
        let mask = try binaryPixels(bytes, name: name)
        if let imageWidth, let imageHeight, mask.width != imageWidth || mask.height != imageHeight {
            throw InspectionError.invalidMask(
                path: name, reason: "size \(mask.width)x\(mask.height) does not match the image \(imageWidth)x\(imageHeight)")
        }
        let png = try encodeGray8(mask.pixels, width: mask.width, height: mask.height, name: name)
        return (png, mask.defectPixels)
    }

    /// Masks are never larger than the images they describe, so the image budgets apply; the
    /// extension is not checked because the content must be PNG whatever the name says.
    static let decodeLimits = DecodeLimits(checkExtension: false)

    private static let pngMagic: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Normalised 0/255 pixels of a binary mask, or `.invalidMask` saying why it is not one.
    static func binaryPixels(_ bytes: [UInt8], name: String) throws -> (pixels: [UInt8], width: Int, height: Int, defectPixels: Int) {
        guard bytes.starts(with: pngMagic) else {
            let detail = bytes.withUnsafeBytes { ImageFormat.detect($0) } == .jpeg
                ? "JPEG content (lossy compression blurs a mask's edges into grey); save masks as PNG"
                : bytes.withUnsafeBytes { ImageFormat.describeUnknown($0) }
            throw InspectionError.invalidMask(path: name, reason: "not a PNG: \(detail)")
        }
        do {
            // IHDR is always first: 8 signature + 4 length + 4 type + 4 width + 4 height, then
            // bit depth and colour type. 16-bit gray is read exactly, because the general
            // decoder keeps only the high byte and would turn a 0/1 mask into all zeros.
            if bytes.count > 25, bytes[12..<16].elementsEqual("IHDR".utf8), bytes[24] == 16, bytes[25] == 0 {
                let decoded = try PNGEncoder.decodeGray16(bytes)
                return try binarise(decoded.values, width: decoded.width, height: decoded.height,
                                    allowed: [1, 255, 65535], name: name)
            }
            let decoded = try ImageDecoder(limits: decodeLimits).decode(data: bytes, name: name).image
            var gray = [UInt16](repeating: 0, count: decoded.width * decoded.height)
            let rgb = decoded.pixels
            for index in gray.indices {
                let r = rgb[3 * index], g = rgb[3 * index + 1], b = rgb[3 * index + 2]
                guard r == g, g == b else {
                    throw InspectionError.invalidMask(
                        path: name, reason: "not binary: pixel (\(index % decoded.width), \(index / decoded.width)) "
                            + "is coloured (\(r), \(g), \(b)); a mask must be black and one gray level")
                }
                gray[index] = UInt16(r)
            }
            return try binarise(gray, width: decoded.width, height: decoded.height, allowed: [1, 255], name: name)
        } catch let error as InspectionError {
            if case .invalidMask = error { throw error }
            throw InspectionError.invalidMask(path: name, reason: reason(error, name: name))
        }
    }

    /// Maps 0 → 0 and the one defect value → 255 after checking there is at most one.
    private static func binarise(_ values: [UInt16], width: Int, height: Int, allowed: Set<UInt16>,
                                 name: String) throws -> (pixels: [UInt8], width: Int, height: Int, defectPixels: Int) {
        var seen = [Bool](repeating: false, count: Int(UInt16.max) + 1)
        for value in values { seen[Int(value)] = true }
        let distinct = seen.indices.filter { seen[$0] }
        let defectValues = distinct.filter { $0 != 0 }
        if defectValues.count > 1 || defectValues.contains(where: { !allowed.contains(UInt16($0)) }) {
            let shown = distinct.prefix(8).map(String.init).joined(separator: ", ")
            let more = distinct.count > 8 ? ", … (\(distinct.count) distinct values)" : ""
            let hint = defectValues.count == 1 ? " (the defect value must be \(allowed.sorted().map(String.init).joined(separator: " or ")))" : ""
            throw InspectionError.invalidMask(path: name, reason: "not binary: found values \(shown)\(more)\(hint)")
        }
        var defectPixels = 0
        let pixels = values.map { value -> UInt8 in
            guard value != 0 else { return 0 }
            defectPixels += 1
            return 255
        }
        return (pixels, width, height, defectPixels)
    }

    /// The decoder's message without the leading "name: ", since `.invalidMask` adds it again.
    private static func reason(_ error: InspectionError, name: String) -> String {
        let text = error.description
        let prefix = name + ": "
        return text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text
    }

    /// 8-bit gray PNG of `pixels` (one byte per pixel, rows top to bottom).
    private static func encodeGray8(_ pixels: [UInt8], width: Int, height: Int, name: String) throws -> [UInt8] {
        guard let w = UInt32(exactly: width), let h = UInt32(exactly: height), pixels.count == width * height else {
            throw InspectionError.invalidMask(path: name, reason: "size \(width)x\(height) out of range")
        }
        var message = [CChar](repeating: 0, count: 512)
        var output: UnsafeMutablePointer<UInt8>?
        var length = 0
        let status = pixels.withUnsafeBufferPointer { input in
            message.withUnsafeMutableBufferPointer { text in
                inspectd_png_encode(input.baseAddress, input.count, w, h, 0, 8, 0, nil, 0, nil, 0, -1,
                                    &output, &length, text.baseAddress, text.count)
            }
        }
        defer { inspectd_free(output) }
        guard status == INSPECTD_OK, let output else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw InspectionError.encodeFailed(path: name, reason: text.isEmpty ? "encoder status \(status)" : text)
        }
        return Array(UnsafeBufferPointer(start: output, count: length))
    }
}
