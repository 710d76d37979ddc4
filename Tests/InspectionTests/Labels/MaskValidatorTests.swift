import Foundation
import Inspection
import Store
import Testing
import TestSupport

/// Masks are training data: only plainly binary PNGs of the image's size get in, and they are
/// stored in one normal form (8-bit gray, 0/255) whatever the tool that drew them wrote.
@Suite struct MaskValidatorTests {
    let scratch: StoreScratch

    init() throws {
        scratch = try StoreScratch()
    }

    private func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = scratch.path(name)
        try LabelSupport.write(bytes, to: path)
        return path
    }

    /// Decodes a stored mask and checks it is 8-bit gray with only 0 and 255; returns the 255s.
    private func normalisedDefects(_ png: [UInt8], width: Int, height: Int) throws -> Int {
        #expect(png[24] == 8 && png[25] == 0, "8-bit gray")
        let image = try ImageDecoder().decode(data: png, name: "stored.png").image
        #expect(image.width == width && image.height == height)
        #expect(image.pixels.allSatisfy { $0 == 0 || $0 == 255 })
        return image.pixels.filter { $0 == 255 }.count / 3
    }

    @Test func binaryGrayMaskIsAcceptedWithItsDefectCount() throws {
        let path = try file("m.png", TestPNG.gray(width: 8, height: 6) { x, y in x < 3 && y < 2 ? 255 : 0 })
        let result = try MaskValidator.validate(maskPath: path, imageWidth: 8, imageHeight: 6)
        #expect(result.defectPixels == 6)
        #expect(try normalisedDefects(result.png, width: 8, height: 6) == 6)
    }

    @Test func zeroOneMaskIsNormalisedTo255() throws {
        let path = try file("index.png", TestPNG.gray(width: 5, height: 4) { x, _ in x == 2 ? 1 : 0 })
        let result = try MaskValidator.validate(maskPath: path, imageWidth: 5, imageHeight: 4)
        #expect(result.defectPixels == 4)
        #expect(try normalisedDefects(result.png, width: 5, height: 4) == 4)
    }

    @Test func sixteenBitZeroOneMaskIsReadExactly() throws {
        // The general decoder keeps only the high byte, which would make this all zeros.
        let samples: [UInt16] = (0..<12).map { $0 % 4 == 0 ? 1 : 0 }
        let path = try file("m16.png", TestPNG.encode(width: 4, height: 3, bitDepth: 16, samples: samples))
        let result = try MaskValidator.validate(maskPath: path, imageWidth: 4, imageHeight: 3)
        #expect(result.defectPixels == 3)
        #expect(try normalisedDefects(result.png, width: 4, height: 3) == 3)
    }

    @Test func rgbBinaryMaskIsAcceptedAndStoredGray() throws {
        var samples: [UInt16] = []
        for y in 0..<4 { for x in 0..<6 { samples += Array(repeating: (x + y) % 3 == 0 ? 255 : 0, count: 3) } }
        let path = try file("rgb.png", TestPNG.encode(width: 6, height: 4, channels: 3, samples: samples))
        let result = try MaskValidator.validate(maskPath: path, imageWidth: 6, imageHeight: 4)
        #expect(result.defectPixels == 8)
        #expect(try normalisedDefects(result.png, width: 6, height: 4) == 8)
    }

    @Test func colouredRGBMaskIsRejected() throws {
        var samples = [UInt16](repeating: 0, count: 4 * 4 * 3)
        samples[3 * 5] = 255  // pixel (1, 1) pure red
        let path = try file("red.png", TestPNG.encode(width: 4, height: 4, channels: 3, samples: samples))
        #expect(throws: InspectionError.invalidMask(
            path: path, reason: "not binary: pixel (1, 1) is coloured (255, 0, 0); a mask must be black and one gray level")) {
            try MaskValidator.validate(maskPath: path, imageWidth: 4, imageHeight: 4)
        }
    }

    @Test func nonBinaryMaskNamesTheValuesFound() throws {
        let path = try file("aa.png", TestPNG.gray(width: 6, height: 2) { x, _ in [0, 17, 255][x % 3] })
        #expect(throws: InspectionError.invalidMask(path: path, reason: "not binary: found values 0, 17, 255")) {
            try MaskValidator.validate(maskPath: path, imageWidth: 6, imageHeight: 2)
        }
        let grey = try file("grey.png", TestPNG.gray(width: 3, height: 3) { x, _ in x == 0 ? 128 : 0 })
        #expect(throws: InspectionError.invalidMask(
            path: grey, reason: "not binary: found values 0, 128 (the defect value must be 1 or 255)")) {
            try MaskValidator.validate(maskPath: grey, imageWidth: 3, imageHeight: 3)
        }
    }

    @Test func wrongSizeIsRejectedWithBothSizes() throws {
        let path = try file("small.png", TestPNG.gray(width: 10, height: 8) { _, _ in 0 })
        #expect(throws: InspectionError.invalidMask(path: path, reason: "size 10x8 does not match the image 12x8")) {
            try MaskValidator.validate(maskPath: path, imageWidth: 12, imageHeight: 8)
        }
    }

    @Test func notAPNGIsRejected() throws {
        let jpeg = try file("mask.png", try JPEGEncoder.encodeRGB8(LabelSupport.image(width: 8, height: 8, seed: 1)))
        do {
            _ = try MaskValidator.validate(maskPath: jpeg, imageWidth: 8, imageHeight: 8)
            Issue.record("JPEG accepted")
        } catch let InspectionError.invalidMask(path, reason) {
            #expect(path == jpeg)
            #expect(reason.hasPrefix("not a PNG: JPEG content"), "\(reason)")
        }
        let text = try file("notes.png", Array("just some text, not an image".utf8))
        do {
            _ = try MaskValidator.validate(maskPath: text, imageWidth: 8, imageHeight: 8)
            Issue.record("text accepted")
        } catch let InspectionError.invalidMask(path, reason) {
            #expect(path == text)
            #expect(reason.hasPrefix("not a PNG: unknown format"), "\(reason)")
        }
        // A PNG signature followed by garbage is a PNG the decoder rejects: still .invalidMask.
        let broken = try file("broken.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 40))
        #expect(throws: InspectionError.self) { try MaskValidator.validate(maskPath: broken, imageWidth: 8, imageHeight: 8) }
        do {
            _ = try MaskValidator.validate(maskPath: broken, imageWidth: 8, imageHeight: 8)
        } catch let error as InspectionError {
            #expect(error.kind == "invalid_mask", "\(error)")
        }
    }

    @Test func missingFileIsAnInvalidMask() throws {
        let path = scratch.path("absent_mask.png")
        do {
            _ = try MaskValidator.validate(maskPath: path, imageWidth: 8, imageHeight: 8)
            Issue.record("missing file accepted")
        } catch let InspectionError.invalidMask(errorPath, reason) {
            #expect(errorPath == path)
            #expect(reason.contains("cannot read"), "\(reason)")
        }
    }

    @Test func emptyMaskIsAcceptedWithZeroDefects() throws {
        let path = try file("empty.png", TestPNG.gray(width: 4, height: 4) { _, _ in 0 })
        let result = try MaskValidator.validate(maskPath: path, imageWidth: 4, imageHeight: 4)
        #expect(result.defectPixels == 0)
        #expect(try normalisedDefects(result.png, width: 4, height: 4) == 0)
    }
}
