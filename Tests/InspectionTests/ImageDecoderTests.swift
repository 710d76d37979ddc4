import CImageCodecs
import Foundation
@testable import Inspection
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds every JPEG/PNG variant at test time through the C codecs, so no binary fixtures are
/// needed beyond the three small PNGs in Fixtures/.
enum DecoderTestImages {
    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Smooth colours (JPEG reproduces them closely even with chroma subsampling).
    static func gradient(width: Int, height: Int) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = 3 * (y * width + x)
                pixels[i] = UInt8(truncatingIfNeeded: 20 + x * 200 / max(width - 1, 1))
                pixels[i + 1] = UInt8(truncatingIfNeeded: 30 + y * 190 / max(height - 1, 1))
                pixels[i + 2] = UInt8(truncatingIfNeeded: 220 - x * 100 / max(width - 1, 1))
            }
        }
        return pixels
    }

    /// Deterministic noise, so compressed files are large enough to cut at many offsets.
    static func noise(count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    static func jpeg(_ pixels: [UInt8], width: Int, height: Int, components: Int32 = 3, quality: Int32 = 92,
                     flags: Int32 = 0) throws -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var length = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = pixels.withUnsafeBufferPointer { input in
            inspectd_jpeg_encode(input.baseAddress, input.count, UInt32(width), UInt32(height), components, quality,
                                 flags, &output, &length, &message, message.count)
        }
        defer { inspectd_free(output) }
        guard status == INSPECTD_OK, let output else { throw Failure(description: "jpeg encode: \(status) \(text(message))") }
        return Array(UnsafeBufferPointer(start: output, count: length))
    }

    /// `rows` in PNG layout (packed low-bit samples, big-endian 16-bit).
    static func png(_ rows: [UInt8], width: Int, height: Int, colorType: Int32, bitDepth: Int32,
                    interlaced: Bool = false, palette: [UInt8] = [], trns: [UInt8] = []) throws -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var length = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = rows.withUnsafeBufferPointer { input in
            palette.withUnsafeBufferPointer { pal in
                trns.withUnsafeBufferPointer { tr in
                    inspectd_png_encode(input.baseAddress, input.count, UInt32(width), UInt32(height), colorType, bitDepth,
                                        interlaced ? 1 : 0, pal.baseAddress, Int32(palette.count / 3), tr.baseAddress,
                                        Int32(trns.count), -1, &output, &length, &message, message.count)
                }
            }
        }
        defer { inspectd_free(output) }
        guard status == INSPECTD_OK, let output else { throw Failure(description: "png encode: \(status) \(text(message))") }
        return Array(UnsafeBufferPointer(start: output, count: length))
    }

    static func bigEndian16(_ values: [UInt16]) -> [UInt8] {
        values.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    static func text(_ message: [CChar]) -> String {
        String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Inverted (Adobe/Photoshop) CMYK whose C·K/255 reproduces each RGB channel.
    static func invertedCMYK(fromRGB rgb: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(rgb.count / 3 * 4)
        for i in stride(from: 0, to: rgb.count, by: 3) {
            let r = Int(rgb[i]), g = Int(rgb[i + 1]), b = Int(rgb[i + 2])
            let k = max(r, g, b)
            func channel(_ v: Int) -> UInt8 { k == 0 ? 255 : UInt8(min(255, (v * 255 + k / 2) / k)) }
            out += [channel(r), channel(g), channel(b), UInt8(k)]
        }
        return out
    }

    /// 16x16 blocks of distinct colours (aligned to JPEG MCUs so block centres are near-exact).
    static let blockColours: [(UInt8, UInt8, UInt8)] = [
        (200, 30, 40), (20, 180, 60), (30, 60, 220), (240, 240, 240),
        (10, 10, 10), (128, 128, 128), (255, 200, 0), (90, 0, 160),
        (0, 128, 128), (250, 120, 180), (60, 40, 20), (180, 220, 90),
    ]

    static func blocks() -> (pixels: [UInt8], width: Int, height: Int) {
        let width = 64, height = 48
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let c = blockColours[(y / 16) * 4 + x / 16]
                let i = 3 * (y * width + x)
                pixels[i] = c.0
                pixels[i + 1] = c.1
                pixels[i + 2] = c.2
            }
        }
        return (pixels, width, height)
    }
}

/// A scratch directory removed when the test ends.
final class DecoderScratchDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("ImageDecoderTests-\(UUID().uuidString)", isDirectory: true).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let p = path + "/" + name
        guard FileManager.default.createFile(atPath: p, contents: Data(bytes)) else {
            throw DecoderTestImages.Failure(description: "cannot create \(p)")
        }
        return p
    }
}

/// The InspectionError a decode throws (nil if it succeeds or throws something else).
fileprivate func decodeFailure(_ body: () throws -> DecodedImage) -> InspectionError? {
    do {
        _ = try body()
        return nil
    } catch let error as InspectionError {
        return error
    } catch {
        return nil
    }
}

fileprivate func isTruncated(_ error: InspectionError?, path: String) -> Bool {
    if case let .truncatedImage(p, detail)? = error { return p == path && !detail.isEmpty }
    return false
}

fileprivate func isCorrupt(_ error: InspectionError?, path: String) -> Bool {
    if case let .corruptImage(p, detail)? = error { return p == path && !detail.isEmpty }
    return false
}

fileprivate func maxAbsDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
    zip(a, b).map { abs(Int($0) - Int($1)) }.max() ?? 0
}

fileprivate func meanAbsDifference(_ a: [UInt8], _ b: [UInt8]) -> Double {
    guard !a.isEmpty else { return 0 }
    return Double(zip(a, b).map { abs(Int($0) - Int($1)) }.reduce(0, +)) / Double(a.count)
}

@Suite struct ImageDecoderTests {
    let decoder = ImageDecoder()

    // MARK: files that are not images

    @Test func zeroByteFileIsEmpty() throws {
        let dir = try DecoderScratchDirectory()
        let path = try dir.file("empty.png", [])
        #expect(throws: InspectionError.emptyFile(path: path)) { try decoder.decode(file: path) }
        #expect(throws: InspectionError.emptyFile(path: "mem.png")) { try decoder.decode(data: [], name: "mem.png") }
    }

    @Test func fileOverByteBudgetIsTooLarge() throws {
        let dir = try DecoderScratchDirectory()
        let png = try DecoderTestImages.png(DecoderTestImages.gradient(width: 16, height: 16), width: 16, height: 16,
                                            colorType: 2, bitDepth: 8)
        let path = try dir.file("big.png", png)
        let small = ImageDecoder(limits: DecodeLimits(maxFileBytes: 100))
        #expect(throws: InspectionError.fileTooLarge(path: path, bytes: png.count, limit: 100)) { try small.decode(file: path) }
    }

    @Test func randomBytesNamedJpgAreNotAnImage() throws {
        let dir = try DecoderScratchDirectory()
        var bytes = DecoderTestImages.noise(count: 300)
        bytes[0] = 0x00
        let path = try dir.file("x.jpg", bytes)
        let error = decodeFailure { try decoder.decode(file: path) }
        guard case let .notAnImage(p, detail)? = error else {
            Issue.record("expected notAnImage, got \(String(describing: error))")
            return
        }
        #expect(p == path)
        #expect(detail.contains("00 "))
        #expect(detail.contains("300 bytes"))
    }

    @Test func bmpIsNamedInTheDetail() {
        let bytes: [UInt8] = [0x42, 0x4D] + [UInt8](repeating: 0, count: 60)
        let error = decodeFailure { try decoder.decode(data: bytes, name: "cam.bmp") }
        guard case let .notAnImage(_, detail)? = error else {
            Issue.record("expected notAnImage, got \(String(describing: error))")
            return
        }
        #expect(detail.contains("BMP"))
    }

    @Test func pngNamedJpgIsAnExtensionMismatch() throws {
        let dir = try DecoderScratchDirectory()
        let png = try DecoderTestImages.png(DecoderTestImages.gradient(width: 8, height: 8), width: 8, height: 8,
                                            colorType: 2, bitDepth: 8)
        let path = try dir.file("photo.jpg", png)
        #expect(throws: InspectionError.extensionMismatch(path: path, extension: "jpg", detected: "png")) {
            try decoder.decode(file: path)
        }
        // Unknown extensions are the watcher's business, and the check can be switched off.
        #expect(try decoder.decode(data: png, name: "frame.raw").format == .png)
        let lenient = ImageDecoder(limits: DecodeLimits(checkExtension: false))
        #expect(try lenient.decode(file: path).format == .png)
    }

    @Test func hugePNGHeaderIsRejectedFast() throws {
        // A valid signature and IHDR claiming 100000x100000, a tiny IDAT, IEND.
        func chunk(_ type: String, _ payload: [UInt8]) -> [UInt8] {
            let typeBytes = Array(type.utf8)
            let length = UInt32(payload.count)
            let crc = crc32(typeBytes + payload)
            return [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
                + typeBytes + payload
                + [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
        }
        let side: UInt32 = 100_000
        let be = [UInt8(side >> 24), UInt8(side >> 16 & 0xFF), UInt8(side >> 8 & 0xFF), UInt8(side & 0xFF)]
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            + chunk("IHDR", be + be + [8, 2, 0, 0, 0])
            + chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])
            + chunk("IEND", [])
        let dir = try DecoderScratchDirectory()
        let path = try dir.file("huge.png", png)
        let clock = ContinuousClock()
        let start = clock.now
        #expect(throws: InspectionError.tooManyPixels(path: path, width: 100_000, height: 100_000, limit: 50_000_000)) {
            try decoder.decode(file: path)
        }
        #expect(clock.now - start < .seconds(1))
    }

    @Test func pixelBudgetAppliesToRealFiles() throws {
        let tight = ImageDecoder(limits: DecodeLimits(maxPixels: 1000))
        let png = try DecoderTestImages.png(DecoderTestImages.gradient(width: 40, height: 30), width: 40, height: 30,
                                            colorType: 2, bitDepth: 8)
        #expect(throws: InspectionError.tooManyPixels(path: "a.png", width: 40, height: 30, limit: 1000)) {
            try tight.decode(data: png, name: "a.png")
        }
        let jpeg = try DecoderTestImages.jpeg(DecoderTestImages.gradient(width: 40, height: 30), width: 40, height: 30)
        #expect(throws: InspectionError.tooManyPixels(path: "a.jpg", width: 40, height: 30, limit: 1000)) {
            try tight.decode(data: jpeg, name: "a.jpg")
        }
    }

    @Test func directoryIsNotARegularFile() throws {
        let dir = try DecoderScratchDirectory()
        let path = dir.path + "/x.png"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        #expect(throws: InspectionError.notARegularFile(path: path, kind: "directory")) { try decoder.decode(file: path) }
    }

    @Test func symlinkToDevZeroIsNotARegularFile() throws {
        let dir = try DecoderScratchDirectory()
        let path = dir.path + "/z.png"
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/dev/zero")
        #expect(throws: InspectionError.notARegularFile(path: path, kind: "character device")) {
            try decoder.decode(file: path)
        }
    }

    @Test func missingFileIsUnreadable() throws {
        let dir = try DecoderScratchDirectory()
        let path = dir.path + "/missing.png"
        let error = decodeFailure { try decoder.decode(file: path) }
        guard case let .unreadableFile(p, reason)? = error else {
            Issue.record("expected unreadableFile, got \(String(describing: error))")
            return
        }
        #expect(p == path)
        #expect(reason.contains("No such file"))
    }

    @Test(.timeLimit(.minutes(1))) func fifoIsNotARegularFileAndDoesNotHang() throws {
        let dir = try DecoderScratchDirectory()
        let path = dir.path + "/f.png"
        #expect(mkfifo(path, 0o600) == 0)
        let clock = ContinuousClock()
        let start = clock.now
        #expect(throws: InspectionError.notARegularFile(path: path, kind: "FIFO")) { try decoder.decode(file: path) }
        #expect(clock.now - start < .seconds(2))
    }

    @Test func unixSocketIsNotARegularFile() throws {
        let dir = try DecoderScratchDirectory()
        let path = dir.path + "/s.png"
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        #expect(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0, "bind failed (path too long for sun_path?)")
        #expect(throws: InspectionError.notARegularFile(path: path, kind: "socket")) { try decoder.decode(file: path) }
    }

    // MARK: damaged images

    @Test func truncatedJPEGIsTruncated() throws {
        let dir = try DecoderScratchDirectory()
        let (w, h) = (96, 64)
        for progressive in [false, true] {
            let jpeg = try DecoderTestImages.jpeg(DecoderTestImages.noise(count: w * h * 3), width: w, height: h,
                                                  quality: 90, flags: progressive ? INSPECTD_JPEG_PROGRESSIVE : 0)
            for cut in [4, jpeg.count / 10, jpeg.count / 2, jpeg.count * 9 / 10, jpeg.count - 2] {
                let path = try dir.file("cut\(progressive ? "p" : "b")\(cut).jpg", Array(jpeg.prefix(cut)))
                let error = decodeFailure { try decoder.decode(file: path) }
                #expect(isTruncated(error, path: path), "progressive \(progressive), cut at \(cut) of \(jpeg.count): \(String(describing: error))")
            }
        }
    }

    @Test func corruptJPEGIsCorrupt() throws {
        var jpeg = try DecoderTestImages.jpeg(DecoderTestImages.gradient(width: 32, height: 32), width: 32, height: 32)
        // SOF0 is FF C0, length (2 bytes), then the sample precision: make it 7 bits.
        guard let sof = (0..<(jpeg.count - 4)).first(where: { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 }) else {
            Issue.record("no SOF0 marker")
            return
        }
        jpeg[sof + 4] = 7
        let error = decodeFailure { try decoder.decode(data: jpeg, name: "bad.jpg") }
        #expect(isCorrupt(error, path: "bad.jpg"), "\(String(describing: error))")
    }

    @Test func truncatedPNGIsTruncated() throws {
        let dir = try DecoderScratchDirectory()
        let (w, h) = (64, 64)
        for interlaced in [false, true] {
            let png = try DecoderTestImages.png(DecoderTestImages.noise(count: w * h * 3), width: w, height: h,
                                                colorType: 2, bitDepth: 8, interlaced: interlaced)
            for cut in [10, 20, 33, png.count / 10, png.count / 2, png.count * 9 / 10, png.count - 12, png.count - 1] {
                let path = try dir.file("cut\(interlaced ? "i" : "n")\(cut).png", Array(png.prefix(cut)))
                let error = decodeFailure { try decoder.decode(file: path) }
                #expect(isTruncated(error, path: path), "interlaced \(interlaced), cut at \(cut) of \(png.count): \(String(describing: error))")
            }
        }
    }

    @Test func pngWithBadIDATCRCIsCorrupt() throws {
        var png = try DecoderTestImages.png(DecoderTestImages.noise(count: 32 * 32 * 3), width: 32, height: 32,
                                            colorType: 2, bitDepth: 8)
        guard let idat = (0..<(png.count - 4)).first(where: { png[$0..<$0 + 4].elementsEqual("IDAT".utf8) }) else {
            Issue.record("no IDAT")
            return
        }
        png[idat + 20] ^= 0x55
        let error = decodeFailure { try decoder.decode(data: png, name: "crc.png") }
        #expect(isCorrupt(error, path: "crc.png"), "\(String(describing: error))")
    }

    @Test func decoderHasNoStickyStateAfterFailures() throws {
        let pixels = DecoderTestImages.gradient(width: 20, height: 10)
        let jpeg = try DecoderTestImages.jpeg(pixels, width: 20, height: 10)
        let png = try DecoderTestImages.png(pixels, width: 20, height: 10, colorType: 2, bitDepth: 8)
        #expect(decodeFailure { try decoder.decode(data: Array(jpeg.prefix(jpeg.count / 2)), name: "a.jpg") } != nil)
        #expect(try decoder.decode(data: jpeg, name: "b.jpg").image.width == 20)
        #expect(decodeFailure { try decoder.decode(data: Array(png.prefix(png.count / 2)), name: "a.png") } != nil)
        #expect(try decoder.decode(data: png, name: "b.png").image.pixels == pixels)
        #expect(decodeFailure { try decoder.decode(data: [1, 2, 3], name: "c.png") } != nil)
        #expect(try decoder.decode(data: jpeg, name: "d.jpg").image.height == 10)
    }

    @Test func concurrentDecodesAgree() async throws {
        let pixels = DecoderTestImages.gradient(width: 50, height: 40)
        let jpeg = try DecoderTestImages.jpeg(pixels, width: 50, height: 40, flags: INSPECTD_JPEG_PROGRESSIVE)
        let png = try DecoderTestImages.png(pixels, width: 50, height: 40, colorType: 2, bitDepth: 8, interlaced: true)
        let decoder = self.decoder
        let reference = try decoder.decode(data: jpeg, name: "ref.jpg").image
        let results = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<16 {
                group.addTask {
                    switch i % 3 {
                    case 0: return (try? decoder.decode(data: jpeg, name: "t.jpg").image) == reference
                    case 1: return (try? decoder.decode(data: png, name: "t.png").image.pixels) == pixels
                    default: return decodeFailure { try decoder.decode(data: Array(jpeg.prefix(500)), name: "t.jpg") } != nil
                    }
                }
            }
            var all = [Bool]()
            for await ok in group { all.append(ok) }
            return all
        }
        #expect(results.count == 16 && results.allSatisfy { $0 })
    }

    // MARK: good JPEGs

    @Test func baselineJPEG() throws {
        let (w, h) = (64, 48)
        let pixels = DecoderTestImages.gradient(width: w, height: h)
        let jpeg = try DecoderTestImages.jpeg(pixels, width: w, height: h, quality: 95)
        let dir = try DecoderScratchDirectory()
        let decoded = try decoder.decode(file: try dir.file("base.JPG", jpeg))
        #expect(decoded.format == .jpeg)
        #expect(decoded.image.width == w && decoded.image.height == h)
        #expect(decoded.sourceDescription == "baseline JPEG, YCbCr")
        #expect(meanAbsDifference(decoded.image.pixels, pixels) < 2)
        #expect(maxAbsDifference(decoded.image.pixels, pixels) <= 12)
    }

    @Test func progressiveJPEG() throws {
        let (w, h) = (61, 37)  // not a multiple of the MCU size
        let pixels = DecoderTestImages.gradient(width: w, height: h)
        let jpeg = try DecoderTestImages.jpeg(pixels, width: w, height: h, quality: 95, flags: INSPECTD_JPEG_PROGRESSIVE)
        let decoded = try decoder.decode(data: jpeg, name: "prog.jpeg")
        #expect(decoded.image.width == w && decoded.image.height == h)
        #expect(decoded.sourceDescription.hasPrefix("progressive JPEG"))
        #expect(meanAbsDifference(decoded.image.pixels, pixels) < 2)
        #expect(maxAbsDifference(decoded.image.pixels, pixels) <= 12)
    }

    @Test func grayscaleJPEGIsReplicated() throws {
        let (w, h) = (40, 24)
        let gray = (0..<(w * h)).map { UInt8(truncatingIfNeeded: ($0 % w) * 6) }
        let jpeg = try DecoderTestImages.jpeg(gray, width: w, height: h, components: 1, quality: 95)
        let decoded = try decoder.decode(data: jpeg, name: "gray.jpe")
        #expect(decoded.sourceDescription == "baseline JPEG, grayscale")
        let px = decoded.image.pixels
        var replicated = true
        for i in 0..<(w * h) where px[3 * i] != px[3 * i + 1] || px[3 * i] != px[3 * i + 2] { replicated = false }
        #expect(replicated)
        let red = stride(from: 0, to: px.count, by: 3).map { px[$0] }
        #expect(maxAbsDifference(red, gray) <= 6)
    }

    /// Block centres of a decoded block image against the source colours.
    func expectBlockColours(_ image: RGBImage, tolerance: Int, _ label: String) {
        for (index, colour) in DecoderTestImages.blockColours.enumerated() {
            let x = (index % 4) * 16 + 8, y = (index / 4) * 16 + 8
            let i = 3 * (y * image.width + x)
            let got = [image.pixels[i], image.pixels[i + 1], image.pixels[i + 2]]
            #expect(maxAbsDifference(got, [colour.0, colour.1, colour.2]) <= tolerance,
                    "\(label): block \(index) expected \(colour), got \(got)")
        }
    }

    @Test func cmykAdobeJPEGHasCorrectColours() throws {
        let source = DecoderTestImages.blocks()
        let cmyk = DecoderTestImages.invertedCMYK(fromRGB: source.pixels)
        let jpeg = try DecoderTestImages.jpeg(cmyk, width: source.width, height: source.height, components: 4, quality: 98)
        let decoded = try decoder.decode(data: jpeg, name: "cmyk.jpg")
        #expect(decoded.sourceDescription == "baseline JPEG, CMYK (Adobe, inverted)")
        expectBlockColours(decoded.image, tolerance: 4, "CMYK")

        let progressive = try DecoderTestImages.jpeg(cmyk, width: source.width, height: source.height, components: 4,
                                                     quality: 98, flags: INSPECTD_JPEG_PROGRESSIVE)
        let decodedProgressive = try decoder.decode(data: progressive, name: "cmykp.jpg")
        #expect(decodedProgressive.sourceDescription == "progressive JPEG, CMYK (Adobe, inverted)")
        expectBlockColours(decodedProgressive.image, tolerance: 4, "progressive CMYK")
    }

    @Test func ycckAdobeJPEGHasCorrectColours() throws {
        let source = DecoderTestImages.blocks()
        let cmyk = DecoderTestImages.invertedCMYK(fromRGB: source.pixels)
        let jpeg = try DecoderTestImages.jpeg(cmyk, width: source.width, height: source.height, components: 4, quality: 98,
                                              flags: INSPECTD_JPEG_YCCK | INSPECTD_JPEG_NO_SUBSAMPLING)
        let decoded = try decoder.decode(data: jpeg, name: "ycck.jpg")
        #expect(decoded.sourceDescription == "baseline JPEG, YCCK (Adobe, inverted)")
        expectBlockColours(decoded.image, tolerance: 5, "YCCK")
    }

    @Test func plainCMYKJPEGWithoutAdobeMarker() throws {
        let source = DecoderTestImages.blocks()
        let plain = DecoderTestImages.invertedCMYK(fromRGB: source.pixels).map { 255 - $0 }
        let jpeg = try DecoderTestImages.jpeg(plain, width: source.width, height: source.height, components: 4, quality: 98,
                                              flags: INSPECTD_JPEG_NO_ADOBE)
        let decoded = try decoder.decode(data: jpeg, name: "plain.jpg")
        #expect(decoded.sourceDescription == "baseline JPEG, CMYK")
        expectBlockColours(decoded.image, tolerance: 4, "plain CMYK")
    }

    // MARK: good PNGs

    @Test func png8BitRGBIsExact() throws {
        let (w, h) = (37, 21)
        let pixels = DecoderTestImages.noise(count: w * h * 3)
        let png = try DecoderTestImages.png(pixels, width: w, height: h, colorType: 2, bitDepth: 8)
        let dir = try DecoderScratchDirectory()
        let decoded = try decoder.decode(file: try dir.file("rgb.PNG", png))
        #expect(decoded.format == .png)
        #expect(decoded.sourceDescription == "PNG 8-bit RGB")
        #expect(decoded.image == RGBImage(width: w, height: h, pixels: pixels))
    }

    static func composite(_ v: UInt8, _ a: UInt8) -> UInt8 {
        UInt8((Double(Int(v) * Int(a)) / 255).rounded())
    }

    @Test func rgbaIsCompositedOnBlack() throws {
        let rgba: [[UInt8]] = [[200, 100, 50, 128], [255, 255, 255, 0], [10, 20, 30, 255], [255, 0, 128, 1], [77, 154, 231, 200]]
        let png = try DecoderTestImages.png(rgba.flatMap { $0 }, width: rgba.count, height: 1, colorType: 6, bitDepth: 8)
        let decoded = try decoder.decode(data: png, name: "rgba.png")
        #expect(decoded.sourceDescription == "PNG 8-bit RGBA, alpha composited on black")
        let expected = rgba.flatMap { p in [Self.composite(p[0], p[3]), Self.composite(p[1], p[3]), Self.composite(p[2], p[3])] }
        #expect(decoded.image.pixels == expected)
        #expect(Array(decoded.image.pixels.prefix(6)) == [100, 50, 25, 0, 0, 0])
    }

    @Test func grayAlphaIsReplicatedAndComposited() throws {
        let ga: [UInt8] = [200, 255, 200, 128, 90, 0]
        let png = try DecoderTestImages.png(ga, width: 3, height: 1, colorType: 4, bitDepth: 8)
        let decoded = try decoder.decode(data: png, name: "ga.png")
        #expect(decoded.image.pixels == [200, 200, 200, 100, 100, 100, 0, 0, 0])
    }

    @Test func png16BitRGBKeepsHighByte() throws {
        let samples: [UInt16] = [0x12FF, 0x0001, 0xFFFF, 0x8000, 0x7FFF, 0x00FF]
        let png = try DecoderTestImages.png(DecoderTestImages.bigEndian16(samples), width: 2, height: 1, colorType: 2, bitDepth: 16)
        let decoded = try decoder.decode(data: png, name: "rgb16.png")
        #expect(decoded.sourceDescription == "PNG 16-bit RGB, 16-bit reduced to 8 (high byte)")
        #expect(decoded.image.pixels == [0x12, 0x00, 0xFF, 0x80, 0x7F, 0x00])
    }

    @Test func png16BitRGBAIsReducedThenComposited() throws {
        let samples: [UInt16] = [0xC8FF, 0x6400, 0x3200, 0x8000]  // 200,100,50 with alpha 128 after reduction
        let png = try DecoderTestImages.png(DecoderTestImages.bigEndian16(samples), width: 1, height: 1, colorType: 6, bitDepth: 16)
        let decoded = try decoder.decode(data: png, name: "rgba16.png")
        #expect(decoded.sourceDescription == "PNG 16-bit RGBA, 16-bit reduced to 8 (high byte), alpha composited on black")
        #expect(decoded.image.pixels == [100, 50, 25])
    }

    @Test func png16BitGray() throws {
        let samples: [UInt16] = [0, 1, 255, 256, 0xABCD, 65535]
        let png = try DecoderTestImages.png(DecoderTestImages.bigEndian16(samples), width: 3, height: 2, colorType: 0, bitDepth: 16)
        let decoded = try decoder.decode(data: png, name: "gray16.png")
        #expect(decoded.sourceDescription == "PNG 16-bit grayscale, 16-bit reduced to 8 (high byte)")
        let expected: [UInt8] = samples.flatMap { s in [UInt8(s >> 8), UInt8(s >> 8), UInt8(s >> 8)] }
        #expect(decoded.image.pixels == expected)
    }

    @Test func paletteWithTRNS() throws {
        let palette: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]
        let trns: [UInt8] = [255, 0, 128]  // entry 3 is implicitly opaque
        let png = try DecoderTestImages.png([0, 1, 2, 3, 3, 2, 1, 0], width: 4, height: 2, colorType: 3, bitDepth: 8,
                                            palette: palette, trns: trns)
        let decoded = try decoder.decode(data: png, name: "pal.png")
        #expect(decoded.sourceDescription == "PNG 8-bit palette, tRNS, alpha composited on black")
        let row: [UInt8] = [255, 0, 0, 0, 0, 0, 0, 0, 128, 255, 255, 255]
        let reversed: [UInt8] = [255, 255, 255, 0, 0, 128, 0, 0, 0, 255, 0, 0]
        #expect(decoded.image.pixels == row + reversed)
    }

    @Test func lowBitPalette() throws {
        let palette: [UInt8] = [10, 20, 30, 40, 50, 60]
        // 2-bit indices 0,1,1,0,1 packed MSB first: 0b00_01_01_00, 0b01_000000
        let png = try DecoderTestImages.png([0b0001_0100, 0b0100_0000], width: 5, height: 1, colorType: 3, bitDepth: 2,
                                            palette: palette)
        let decoded = try decoder.decode(data: png, name: "pal2.png")
        #expect(decoded.image.pixels == [10, 20, 30, 40, 50, 60, 40, 50, 60, 10, 20, 30, 40, 50, 60])
    }

    @Test func grayWithTRNSKey() throws {
        let png = try DecoderTestImages.png([10, 50, 200], width: 3, height: 1, colorType: 0, bitDepth: 8, trns: [0, 50])
        let decoded = try decoder.decode(data: png, name: "graykey.png")
        #expect(decoded.image.pixels == [10, 10, 10, 0, 0, 0, 200, 200, 200])
    }

    @Test func oneBitGray() throws {
        // Row 0: 1010101010, row 1: 0000011111 (10 pixels, 2 bytes per row).
        let rows: [UInt8] = [0b1010_1010, 0b1000_0000, 0b0000_0111, 0b1100_0000]
        let png = try DecoderTestImages.png(rows, width: 10, height: 2, colorType: 0, bitDepth: 1)
        let decoded = try decoder.decode(data: png, name: "bits.png")
        #expect(decoded.sourceDescription == "PNG 1-bit grayscale")
        let bits = [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
        #expect(decoded.image.pixels == bits.flatMap { b in [UInt8](repeating: b == 1 ? 255 : 0, count: 3) })
    }

    @Test func interlacedPNG() throws {
        let (w, h) = (33, 17)
        let pixels = DecoderTestImages.noise(count: w * h * 3, seed: 7)
        let png = try DecoderTestImages.png(pixels, width: w, height: h, colorType: 2, bitDepth: 8, interlaced: true)
        let decoded = try decoder.decode(data: png, name: "adam7.png")
        #expect(decoded.sourceDescription == "PNG 8-bit RGB, interlaced")
        #expect(decoded.image.pixels == pixels)

        let rgba = DecoderTestImages.noise(count: w * h * 4, seed: 11)
        let pngA = try DecoderTestImages.png(rgba, width: w, height: h, colorType: 6, bitDepth: 8, interlaced: true)
        let decodedA = try decoder.decode(data: pngA, name: "adam7a.png")
        #expect(decodedA.sourceDescription == "PNG 8-bit RGBA, interlaced, alpha composited on black")
        var expected = [UInt8]()
        for i in stride(from: 0, to: rgba.count, by: 4) {
            expected += [Self.composite(rgba[i], rgba[i + 3]), Self.composite(rgba[i + 1], rgba[i + 3]),
                         Self.composite(rgba[i + 2], rgba[i + 3])]
        }
        #expect(decodedA.image.pixels == expected)
    }

    @Test(arguments: [("img0_gradient_blob.png", 100, 80), ("img1_checker_stripes.png", 64, 64),
                      ("img2_noise_scratch.png", 128, 96)])
    func fixturesDecodeToTheirSizes(name: String, width: Int, height: Int) throws {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let decoded = try decoder.decode(file: folder.appendingPathComponent(name).path)
        #expect(decoded.format == .png)
        #expect(decoded.image.width == width && decoded.image.height == height)
        #expect(decoded.image.pixels.count == width * height * 3)
    }

    // MARK: format detection

    @Test func formatDetectionAndExtensions() {
        let jpegStart: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0]
        let pngStart: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        #expect(jpegStart.withUnsafeBytes { ImageFormat.detect($0) } == .jpeg)
        #expect(pngStart.withUnsafeBytes { ImageFormat.detect($0) } == .png)
        #expect(Array(pngStart.prefix(7)).withUnsafeBytes { ImageFormat.detect($0) } == nil)
        #expect([UInt8]().withUnsafeBytes { ImageFormat.detect($0) } == nil)
        for ext in ["jpg", "JPEG", "jpe", "Jfif"] { #expect(ImageFormat.expected(forExtension: ext) == .jpeg) }
        #expect(ImageFormat.expected(forExtension: "PnG") == .png)
        #expect(ImageFormat.expected(forExtension: "bmp") == nil)
        #expect(ImageFormat.fileExtension(of: "/a.b/c") == nil)
        #expect(ImageFormat.fileExtension(of: "/a/.png") == nil)
        #expect(ImageFormat.fileExtension(of: "/a/x.tar.PNG") == "PNG")
    }
}

/// CRC-32 as PNG chunks use it, for hand-built test files.
fileprivate func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}
