import CImageCodecs
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// PNG output for overlays (RGB8) and stored anomaly maps (16-bit gray, lossless so a map read
/// back from the database is bit-identical to the one scored).
public enum PNGEncoder {
    /// Stands in for a path in errors about in-memory data.
    static let memoryName = "<memory>"

    /// Encodes an RGB image as an 8-bit RGB PNG, zlib's default compression.
    public static func encodeRGB8(_ image: RGBImage) throws -> [UInt8] {
        guard image.width > 0, image.height > 0, image.pixels.count == image.width * image.height * 3 else {
            throw InspectionError.encodeFailed(path: memoryName, reason: "RGB image \(image.width)x\(image.height) is empty or inconsistent")
        }
        return try encode(rows: image.pixels, width: image.width, height: image.height, colorType: 2, bitDepth: 8)
    }

    /// Encodes `values` (row-major, `width · height` samples) as a 16-bit grayscale PNG.
    public static func encodeGray16(width: Int, height: Int, values: [UInt16]) throws -> [UInt8] {
        let (count, overflow) = width.multipliedReportingOverflow(by: height)
        guard width > 0, height > 0, !overflow, values.count == count else {
            throw InspectionError.encodeFailed(path: memoryName, reason: "\(values.count) values do not match \(width)x\(height)")
        }
        // PNG stores 16-bit samples big-endian whatever the host is.
        var rows = [UInt8](repeating: 0, count: count * 2)
        for (index, value) in values.enumerated() {
            rows[2 * index] = UInt8(truncatingIfNeeded: value >> 8)
            rows[2 * index + 1] = UInt8(truncatingIfNeeded: value)
        }
        return try encode(rows: rows, width: width, height: height, colorType: 0, bitDepth: 16)
    }

    /// Reads back a 16-bit grayscale PNG exactly; any other PNG kind is `.corruptImage`.
    public static func decodeGray16(_ png: [UInt8]) throws -> (width: Int, height: Int, values: [UInt16]) {
        let limits = DecodeLimits()
        guard !png.isEmpty else { throw InspectionError.emptyFile(path: memoryName) }
        let maxPixels = UInt64(clamping: limits.maxPixels)
        var info = inspectd_image_info()
        var message = [CChar](repeating: 0, count: 512)
        let messageCount = message.count

        let headerStatus = png.withUnsafeBufferPointer { input in
            message.withUnsafeMutableBufferPointer { text in
                inspectd_png_decode_gray16(input.baseAddress, input.count, maxPixels, nil, 0, &info,
                                           text.baseAddress, messageCount)
            }
        }
        guard headerStatus == INSPECTD_NEED_BUFFER else {
            throw ImageDecoder.failure(status: headerStatus, message: message, info: info, name: memoryName, limits: limits)
        }
        let width = Int(info.width), height = Int(info.height)
        let (count, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, count > 0 else {
            throw InspectionError.tooManyPixels(path: memoryName, width: width, height: height, limit: limits.maxPixels)
        }
        var status = INSPECTD_OK
        let values = [UInt16](unsafeUninitializedCapacity: count) { buffer, initialized in
            status = png.withUnsafeBufferPointer { input in
                message.withUnsafeMutableBufferPointer { text in
                    inspectd_png_decode_gray16(input.baseAddress, input.count, maxPixels, buffer.baseAddress, count,
                                               &info, text.baseAddress, messageCount)
                }
            }
            initialized = status == INSPECTD_OK ? count : 0
        }
        guard status == INSPECTD_OK, values.count == count else {
            throw ImageDecoder.failure(status: status, message: message, info: info, name: memoryName, limits: limits)
        }
        return (width, height, values)
    }

    /// Replaces `path` atomically: readers (the UI, a copy job) see the old file or the whole new
    /// one, never a partial write. The temp file sits in the same directory so rename() cannot
    /// cross file systems.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !base.isEmpty else {
            throw InspectionError.encodeFailed(path: path, reason: "path names a directory")
        }
        let dirPrefix = directory.isEmpty ? "/" : directory + "/"

        var fd: Int32 = -1
        var temp = ""
        for _ in 0..<8 {
            temp = dirPrefix + ".\(base).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
            fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else {
            throw InspectionError.encodeFailed(path: path, reason: "create temp file: \(ImageDecoder.errnoText(errno))")
        }

        var failure: String?
        var written = 0
        bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = posixWrite(fd, raw.baseAddress.map { $0 + written }, raw.count - written)
                if n > 0 {
                    written += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    failure = "write: " + (n < 0 ? ImageDecoder.errnoText(errno) : "no progress")
                    return
                }
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = "fsync: \(ImageDecoder.errnoText(errno))" }
        if close(fd) != 0 && failure == nil { failure = "close: \(ImageDecoder.errnoText(errno))" }
        if failure == nil && rename(temp, path) != 0 { failure = "rename: \(ImageDecoder.errnoText(errno))" }
        if let failure {
            unlink(temp)
            throw InspectionError.encodeFailed(path: path, reason: failure)
        }
        // Persist the rename itself; some file systems refuse fsync on directories, which is harmless.
        let dirFD = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_CLOEXEC)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
    }

    private static func encode(rows: [UInt8], width: Int, height: Int, colorType: Int32, bitDepth: Int32) throws -> [UInt8] {
        guard let w = UInt32(exactly: width), let h = UInt32(exactly: height) else {
            throw InspectionError.encodeFailed(path: memoryName, reason: "size \(width)x\(height) out of range")
        }
        var message = [CChar](repeating: 0, count: 512)
        let messageCount = message.count
        var output: UnsafeMutablePointer<UInt8>?
        var length = 0
        let status = rows.withUnsafeBufferPointer { input in
            message.withUnsafeMutableBufferPointer { text in
                inspectd_png_encode(input.baseAddress, input.count, w, h, colorType, bitDepth, 0, nil, 0, nil, 0, -1,
                                    &output, &length, text.baseAddress, messageCount)
            }
        }
        defer { inspectd_free(output) }
        guard status == INSPECTD_OK, let output else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw InspectionError.encodeFailed(path: memoryName, reason: text.isEmpty ? "encoder status \(status)" : text)
        }
        return Array(UnsafeBufferPointer(start: output, count: length))
    }
}

/// The POSIX write(2), named so it is not confused with `PNGEncoder.write(_:to:)` inside the enum.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buffer, count)
    #else
    return Darwin.write(fd, buffer, count)
    #endif
}
