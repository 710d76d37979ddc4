import CImageCodecs
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Budgets that keep one hostile or half-written file from exhausting the daemon's memory.
public struct DecodeLimits: Sendable {
    /// Largest width × height accepted; checked from the header before any pixel buffer exists.
    public var maxPixels: Int = 50_000_000
    /// Largest file read into memory.
    public var maxFileBytes: Int = 256 << 20
    /// Reject a file whose extension names a different format than its content.
    public var checkExtension: Bool = true

    public init(maxPixels: Int = 50_000_000, maxFileBytes: Int = 256 << 20, checkExtension: Bool = true) {
        self.maxPixels = maxPixels
        self.maxFileBytes = maxFileBytes
        self.checkExtension = checkExtension
    }
}

/// A decoded image plus what it was, so verdicts can say e.g. that alpha was flattened.
public struct DecodedImage: Sendable {
    public let image: RGBImage
    public let format: ImageFormat
    /// Human-readable source variant, e.g. "progressive JPEG, CMYK (Adobe, inverted)" or
    /// "PNG 16-bit RGBA, 16-bit reduced to 8 (high byte), alpha composited on black".
    public let sourceDescription: String

    public init(image: RGBImage, format: ImageFormat, sourceDescription: String) {
        self.image = image
        self.format = format
        self.sourceDescription = sourceDescription
    }
}

/// Turns whatever a camera PC wrote into 8-bit RGB, or into a specific `InspectionError`.
/// Never traps, never blocks on special files, never allocates beyond `limits`.
///
/// Output conventions: grayscale is replicated to RGB; CMYK/YCCK JPEGs are converted to RGB
/// (Adobe files are taken as inverted CMYK, as Photoshop writes them); 16-bit PNG samples keep
/// their high byte; PNG alpha (including tRNS) is composited on black, out = round(v·a/255),
/// so fully transparent pixels read as black. No gamma or ICC correction is applied.
public struct ImageDecoder: Sendable {
    public var limits: DecodeLimits

    public init(limits: DecodeLimits = DecodeLimits()) {
        self.limits = limits
    }

    /// Reads and decodes a file; only `InspectionError` is thrown.
    public func decode(file path: String) throws -> DecodedImage {
        let bytes = try readFile(path)
        return try decode(data: bytes, name: path)
    }

    /// Decodes bytes already in memory; `name` appears in errors and drives the extension check.
    public func decode(data: [UInt8], name: String) throws -> DecodedImage {
        guard !data.isEmpty else { throw InspectionError.emptyFile(path: name) }
        guard data.count <= limits.maxFileBytes else {
            throw InspectionError.fileTooLarge(path: name, bytes: data.count, limit: limits.maxFileBytes)
        }
        let detected = data.withUnsafeBytes { ImageFormat.detect($0) }
        guard let format = detected else {
            throw InspectionError.notAnImage(path: name, detail: data.withUnsafeBytes { ImageFormat.describeUnknown($0) })
        }
        if limits.checkExtension, let ext = ImageFormat.fileExtension(of: name),
           let expected = ImageFormat.expected(forExtension: ext), expected != format {
            throw InspectionError.extensionMismatch(path: name, extension: ext, detected: format.rawValue)
        }
        switch format {
        case .jpeg: return try decodeCodec(data: data, name: name, format: format, codec: inspectd_jpeg_decode)
        case .png: return try decodeCodec(data: data, name: name, format: format, codec: inspectd_png_decode)
        }
    }

    private typealias Codec = (UnsafePointer<UInt8>?, Int, UInt64, UnsafeMutablePointer<UInt8>?, Int,
                               UnsafeMutablePointer<inspectd_image_info>?, UnsafeMutablePointer<CChar>?, Int) -> Int32

    /// Header pass first (the C side enforces the pixel budget there), then one exactly sized
    /// buffer for the pixels.
    private func decodeCodec(data: [UInt8], name: String, format: ImageFormat, codec: Codec) throws -> DecodedImage {
        let maxPixels = UInt64(clamping: limits.maxPixels)
        var info = inspectd_image_info()
        var message = [CChar](repeating: 0, count: 512)
        let messageCount = message.count

        let headerStatus = data.withUnsafeBufferPointer { input in
            message.withUnsafeMutableBufferPointer { text in
                codec(input.baseAddress, input.count, maxPixels, nil, 0, &info, text.baseAddress, messageCount)
            }
        }
        guard headerStatus == INSPECTD_NEED_BUFFER else {
            throw Self.failure(status: headerStatus, message: message, info: info, name: name, limits: limits)
        }
        let width = Int(info.width), height = Int(info.height)
        let (count, overflow) = width.multipliedReportingOverflow(by: height * 3)
        guard !overflow, count > 0 else {
            throw InspectionError.tooManyPixels(path: name, width: width, height: height, limit: limits.maxPixels)
        }

        var status = INSPECTD_OK
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            status = data.withUnsafeBufferPointer { input in
                message.withUnsafeMutableBufferPointer { text in
                    codec(input.baseAddress, input.count, maxPixels, buffer.baseAddress, count, &info,
                          text.baseAddress, messageCount)
                }
            }
            initialized = status == INSPECTD_OK ? count : 0
        }
        guard status == INSPECTD_OK else {
            throw Self.failure(status: status, message: message, info: info, name: name, limits: limits)
        }
        guard pixels.count == count, Int(info.width) == width, Int(info.height) == height else {
            throw InspectionError.corruptImage(path: name, detail: "decoder output does not match the header \(width)x\(height)")
        }
        let image = RGBImage(width: width, height: height, pixels: pixels)
        return DecodedImage(image: image, format: format, sourceDescription: Self.describe(format, info))
    }

    static func failure(status: Int32, message: [CChar], info: inspectd_image_info, name: String,
                      limits: DecodeLimits) -> InspectionError {
        let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let detail = text.isEmpty ? "decoder status \(status)" : text
        switch status {
        case INSPECTD_TOO_MANY_PIXELS:
            return .tooManyPixels(path: name, width: Int(info.width), height: Int(info.height), limit: limits.maxPixels)
        case INSPECTD_TRUNCATED:
            return .truncatedImage(path: name, detail: detail)
        case INSPECTD_OUT_OF_MEMORY:
            return .corruptImage(path: name, detail: "out of memory while decoding: \(detail)")
        case INSPECTD_UNSUPPORTED:
            return .corruptImage(path: name, detail: "unsupported: \(detail)")
        default:
            return .corruptImage(path: name, detail: detail)
        }
    }

    static func describe(_ format: ImageFormat, _ info: inspectd_image_info) -> String {
        switch format {
        case .jpeg:
            var parts = [(info.jpeg_progressive != 0 ? "progressive" : "baseline") + " JPEG"]
            switch info.jpeg_color_space {
            case INSPECTD_JCS_GRAYSCALE: parts.append("grayscale")
            case INSPECTD_JCS_RGB: parts.append("RGB")
            case INSPECTD_JCS_YCBCR: parts.append("YCbCr")
            case INSPECTD_JCS_CMYK: parts.append(info.jpeg_adobe_marker != 0 ? "CMYK (Adobe, inverted)" : "CMYK")
            case INSPECTD_JCS_YCCK: parts.append("YCCK (Adobe, inverted)")
            default: parts.append("\(info.jpeg_components) components")
            }
            if info.jpeg_arithmetic != 0 { parts.append("arithmetic coding") }
            return parts.joined(separator: ", ")
        case .png:
            let kind: String
            switch info.png_color_type {
            case 0: kind = "grayscale"
            case 2: kind = "RGB"
            case 3: kind = "palette"
            case 4: kind = "gray+alpha"
            case 6: kind = "RGBA"
            default: kind = "colour type \(info.png_color_type)"
            }
            var parts = ["PNG \(info.png_bit_depth)-bit \(kind)"]
            if info.png_has_trns != 0 { parts.append("tRNS") }
            if info.png_interlaced != 0 { parts.append("interlaced") }
            if info.png_bit_depth == 16 { parts.append("16-bit reduced to 8 (high byte)") }
            if info.png_composited != 0 { parts.append("alpha composited on black") }
            return parts.joined(separator: ", ")
        }
    }
}

extension ImageDecoder {
    /// Reads a whole regular file once, within `limits.maxFileBytes`, so the caller can hash
    /// and decode the very same bytes. `followSymlinks: false` refuses a link (`symlink`).
    public func read(file path: String, followSymlinks: Bool) throws -> [UInt8] {
        try readFile(path, followSymlinks: followSymlinks)
    }

    /// Reads a whole regular file (see `RegularFile` for what is rejected before any read).
    func readFile(_ path: String, followSymlinks: Bool = true) throws -> [UInt8] {
        let file = try RegularFile.open(path, followSymlinks: followSymlinks)
        defer { file.close() }
        let fd = file.descriptor
        let size = file.size
        guard size > 0 else { throw InspectionError.emptyFile(path: path) }
        guard size <= limits.maxFileBytes else {
            throw InspectionError.fileTooLarge(path: path, bytes: size, limit: limits.maxFileBytes)
        }

        // A camera may still be writing: read what fstat promised, and accept less if the file
        // shrank (the decoder then reports truncation); growth after fstat is ignored.
        var readError: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var filled = 0
            while filled < size {
                let n = Glibc.read(fd, buffer.baseAddress.map { $0 + filled }, size - filled)
                if n > 0 {
                    filled += n
                } else if n == 0 {
                    break
                } else if errno == EINTR {
                    continue
                } else {
                    readError = errno
                    break
                }
            }
            initialized = filled
        }
        if readError != 0 {
            throw InspectionError.unreadableFile(path: path, reason: Self.errnoText(readError))
        }
        guard !bytes.isEmpty else { throw InspectionError.emptyFile(path: path) }
        return bytes
    }

    static func nonRegularKind(_ mode: mode_t) -> String? {
        switch mode & mode_t(S_IFMT) {
        case mode_t(S_IFREG): return nil
        case mode_t(S_IFDIR): return "directory"
        case mode_t(S_IFCHR): return "character device"
        case mode_t(S_IFBLK): return "block device"
        case mode_t(S_IFIFO): return "FIFO"
        case mode_t(S_IFSOCK): return "socket"
        case mode_t(S_IFLNK): return "symbolic link"
        default: return "unknown file type"
        }
    }

    static func errnoText(_ code: Int32) -> String {
        "\(String(cString: strerror(code))) (errno \(code))"
    }
}
