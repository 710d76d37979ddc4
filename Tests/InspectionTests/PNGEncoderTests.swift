import Foundation
import Inspection
import Store
import Testing

@Suite struct PNGEncoderTests {
    let decoder = ImageDecoder()

    @Test func rgb8RoundTripsThroughTheDecoder() throws {
        let (w, h) = (45, 23)
        let image = RGBImage(width: w, height: h, pixels: DecoderTestImages.noise(count: w * h * 3, seed: 3))
        let png = try PNGEncoder.encodeRGB8(image)
        let decoded = try decoder.decode(data: png, name: "overlay.png")
        #expect(decoded.sourceDescription == "PNG 8-bit RGB")
        #expect(decoded.image == image)
    }

    @Test func fixtureRoundTripsUnchanged() throws {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let original = try decoder.decode(file: folder.appendingPathComponent("img1_checker_stripes.png").path).image
        let again = try decoder.decode(data: try PNGEncoder.encodeRGB8(original), name: "again.png").image
        #expect(again == original)
    }

    @Test func gray16RoundTripIsExact() throws {
        let values: [UInt16] = [0, 1, 255, 256, 65535, 0x8000, 0x00FF, 0xFF00, 12345, 54321, 2, 65534]
        let png = try PNGEncoder.encodeGray16(width: 4, height: 3, values: values)
        let back = try PNGEncoder.decodeGray16(png)
        #expect(back.width == 4 && back.height == 3)
        #expect(back.values == values)
        // Stored big-endian as PNG requires: the decoder's 8-bit view is the high byte.
        let rgb = try decoder.decode(data: png, name: "map.png").image.pixels
        #expect(stride(from: 0, to: rgb.count, by: 3).map { rgb[$0] } == values.map { UInt8($0 >> 8) })
    }

    @Test func gray16LargerMapRoundTrips() throws {
        let (w, h) = (130, 70)
        let bytes = DecoderTestImages.noise(count: w * h * 2, seed: 5)
        let values = (0..<(w * h)).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
        let back = try PNGEncoder.decodeGray16(try PNGEncoder.encodeGray16(width: w, height: h, values: values))
        #expect(back.width == w && back.height == h && back.values == values)
    }

    @Test func encodeGray16RejectsWrongCount() {
        #expect(throws: InspectionError.self) { try PNGEncoder.encodeGray16(width: 3, height: 3, values: [1, 2, 3]) }
        #expect(throws: InspectionError.self) { try PNGEncoder.encodeGray16(width: 0, height: 0, values: []) }
    }

    @Test func decodeGray16RejectsOtherKindsAndDamage() throws {
        let rgb = try PNGEncoder.encodeRGB8(RGBImage(width: 2, height: 2, pixels: [UInt8](repeating: 9, count: 12)))
        do {
            _ = try PNGEncoder.decodeGray16(rgb)
            Issue.record("an RGB PNG must not decode as gray16")
        } catch let InspectionError.corruptImage(_, detail) {
            #expect(detail.contains("16-bit grayscale"))
        }
        let map = try PNGEncoder.encodeGray16(width: 50, height: 50, values: (0..<2500).map { UInt16($0 * 26) })
        do {
            _ = try PNGEncoder.decodeGray16(Array(map.prefix(map.count / 2)))
            Issue.record("a truncated map must not decode")
        } catch InspectionError.truncatedImage {
        }
        #expect(throws: InspectionError.self) { try PNGEncoder.decodeGray16([]) }
        #expect(throws: InspectionError.self) { try PNGEncoder.decodeGray16([1, 2, 3, 4, 5, 6, 7, 8, 9]) }
    }

    @Test func writeIsAtomicAndReplaces() throws {
        let dir = try DecoderScratchDirectory()
        let path = dir.path + "/overlay.png"
        let first = try PNGEncoder.encodeRGB8(RGBImage(width: 1, height: 1, pixels: [1, 2, 3]))
        let second = try PNGEncoder.encodeRGB8(RGBImage(width: 2, height: 1, pixels: [4, 5, 6, 7, 8, 9]))
        try PNGEncoder.write(first, to: path)
        try PNGEncoder.write(second, to: path)
        #expect(FileManager.default.contents(atPath: path).map { [UInt8]($0) } == second)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["overlay.png"])
        #expect(try decoder.decode(file: path).image.pixels == [4, 5, 6, 7, 8, 9])
    }

    @Test func writeFailureIsEncodeFailed() throws {
        let dir = try DecoderScratchDirectory()
        let path = dir.path + "/no/such/dir/out.png"
        do {
            try PNGEncoder.write([1, 2, 3], to: path)
            Issue.record("writing into a missing directory must fail")
        } catch let InspectionError.encodeFailed(p, reason) {
            #expect(p == path)
            #expect(reason.contains("No such file"))
        }
    }
}
