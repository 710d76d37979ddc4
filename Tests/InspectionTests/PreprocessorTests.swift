import Engine
import Foundation
@testable import Inspection
import Testing

/// Preprocessing must reproduce the Python pipelines bit for bit: Pillow's bicubic resize
/// (pinned here by literal Pillow 13 outputs), the fixture's open_clip and AnomalyCLIP input
/// tensors, and the geometry that maps anomaly maps back onto the original image.
@Suite struct PreprocessorTests {
    // MARK: Pillow's bicubic resize on a synthetic image

    /// One `Image.resize((outWidth, outHeight), Image.BICUBIC)` result from Pillow 13.0.0 on
    /// `pattern(width, height)`, row-major RGB.
    struct PillowCase: Sendable, CustomTestStringConvertible {
        let width: Int, height: Int, outWidth: Int, outHeight: Int
        let expected: [UInt8]
        var testDescription: String { "\(width)x\(height) -> \(outWidth)x\(outHeight)" }
    }

    /// High-contrast, non-separable content so every weight and both clips matter:
    /// `((x * 73 + y * 151 + c * 29) ^ (x * y * 7)) & 255`.
    static func pattern(width: Int, height: Int) -> RGBImage {
        var pixels = [UInt8]()
        pixels.reserveCapacity(width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 { pixels.append(UInt8(((x * 73 + y * 151 + c * 29) ^ (x * y * 7)) & 255)) }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Generated with numpy + Pillow 13.0.0 from `pattern` (see the doc comment there).
    static let pillowCases: [PillowCase] = [
        // down in both axes
        PillowCase(width: 7, height: 5, outWidth: 3, outHeight: 4, expected: [
            83, 112, 115, 137, 170, 108, 110, 128, 168, 147, 170, 130, 104, 123, 166, 130, 99, 124, 106,
            129, 176, 137, 92, 173, 121, 138, 105, 145, 144, 146, 169, 87, 97, 127, 139, 173,
        ]),
        // up in both axes; overshoot clips to 0 and 255
        PillowCase(width: 7, height: 5, outWidth: 11, outHeight: 9, expected: [
            0, 12, 39, 12, 42, 80, 68, 98, 148, 130, 159, 213, 194, 222, 147, 228, 255, 8, 89, 117, 43,
            29, 59, 108, 106, 140, 170, 163, 198, 223, 193, 228, 250, 44, 69, 104, 77, 104, 96, 123,
            149, 102, 109, 139, 164, 140, 175, 142, 189, 227, 69, 115, 150, 109, 66, 91, 134, 79, 89,
            121, 128, 137, 183, 163, 175, 232, 138, 168, 214, 186, 210, 126, 216, 235, 28, 78, 109, 83,
            49, 92, 136, 115, 168, 176, 157, 201, 225, 133, 147, 181, 41, 10, 40, 71, 34, 111, 111, 79,
            193, 101, 130, 172, 150, 178, 134, 198, 221, 98, 141, 151, 141, 86, 98, 158, 59, 80, 155,
            116, 134, 211, 146, 155, 194, 121, 118, 85, 130, 77, 94, 140, 51, 122, 41, 69, 98, 72, 106,
            138, 130, 160, 197, 213, 199, 232, 163, 133, 188, 35, 12, 105, 66, 42, 152, 139, 135, 180,
            216, 251, 152, 201, 164, 103, 173, 73, 69, 139, 168, 188, 93, 127, 164, 54, 87, 140, 145,
            135, 205, 156, 129, 219, 106, 80, 184, 130, 64, 156, 155, 82, 115, 161, 135, 65, 108, 165,
            105, 65, 178, 146, 207, 236, 253, 124, 159, 185, 34, 66, 95, 100, 76, 147, 143, 101, 197,
            160, 125, 219, 194, 111, 166, 175, 72, 85, 93, 30, 8, 36, 145, 121, 8, 243, 225, 125, 154,
            182, 128, 169, 181, 142, 169, 156, 180, 87, 82, 163, 38, 61, 120, 40, 94, 202, 151, 156,
            199, 176, 162, 78, 83, 100, 97, 124, 170, 135, 172, 234, 75, 104, 138, 130, 173, 178, 204,
            229, 194, 228, 97, 48, 174, 4, 0, 94, 0, 21, 202, 171, 151, 211, 236, 208, 73, 120, 155,
            135, 113, 196, 210, 128, 235,
        ]),
        // height shrinks by more than twice the width: Pillow 13 resizes vertically first
        PillowCase(width: 6, height: 13, outWidth: 5, outHeight: 4, expected: [
            94, 129, 142, 133, 152, 135, 126, 128, 152, 125, 121, 155, 115, 108, 106, 149, 124, 141,
            137, 157, 121, 142, 111, 127, 144, 143, 160, 128, 151, 112, 124, 123, 140, 131, 118, 106,
            114, 122, 149, 80, 112, 160, 89, 132, 137, 118, 81, 112, 113, 90, 121, 120, 130, 128, 97,
            97, 128, 72, 95, 145,
        ]),
        // vertical pass only
        PillowCase(width: 7, height: 5, outWidth: 7, outHeight: 2, expected: [
            77, 106, 135, 145, 171, 100, 117, 138, 176, 129, 157, 115, 105, 120, 170, 107, 107, 101,
            142, 123, 172, 129, 158, 187, 109, 144, 149, 175, 100, 135, 105, 54, 138, 191, 141, 167,
            112, 109, 83, 106, 158, 179,
        ]),
        // horizontal pass only
        PillowCase(width: 7, height: 5, outWidth: 2, outHeight: 5, expected: [
            97, 126, 111, 129, 158, 143, 139, 172, 127, 95, 93, 145, 113, 119, 169, 152, 130, 137, 124,
            117, 179, 110, 108, 124, 161, 118, 109, 154, 126, 153,
        ]),
        // up in x, down in y (vertical first)
        PillowCase(width: 7, height: 5, outWidth: 12, outHeight: 3, expected: [
            54, 84, 121, 90, 117, 106, 144, 168, 86, 120, 148, 132, 103, 137, 159, 156, 196, 104, 155,
            195, 101, 98, 133, 151, 75, 94, 134, 80, 81, 112, 128, 122, 177, 158, 150, 219, 108, 137,
            170, 113, 144, 152, 123, 154, 129, 147, 155, 168, 149, 138, 199, 89, 84, 171, 83, 71, 166,
            132, 102, 183, 152, 131, 135, 153, 148, 81, 128, 123, 102, 112, 106, 121, 139, 167, 198,
            127, 164, 185, 112, 152, 157, 152, 106, 114, 178, 64, 88, 135, 46, 105, 149, 83, 134, 217,
            163, 164, 161, 131, 124, 78, 80, 87, 93, 144, 173, 110, 188, 229,
        ]),
        // down in x, up in y
        PillowCase(width: 4, height: 9, outWidth: 2, outHeight: 12, expected: [
            36, 65, 110, 181, 209, 116, 132, 157, 110, 117, 157, 123, 160, 184, 130, 96, 116, 146, 99,
            125, 162, 131, 109, 178, 109, 136, 174, 125, 105, 198, 137, 161, 170, 149, 55, 86, 148, 134,
            132, 168, 86, 77, 147, 91, 84, 153, 185, 167, 187, 174, 97, 74, 186, 106, 114, 151, 113,
            130, 182, 135, 84, 120, 129, 124, 108, 158, 117, 116, 139, 49, 10, 150,
        ]),
    ]

    @Test(arguments: pillowCases)
    func resizeMatchesPillow(_ c: PillowCase) {
        let out = PillowResampler.resizeBicubic(Self.pattern(width: c.width, height: c.height),
                                                width: c.outWidth, height: c.outHeight)
        #expect(out.width == c.outWidth && out.height == c.outHeight)
        #expect(out.pixels == c.expected)
    }

    @Test func unchangedSizeIsACopy() {
        let image = Self.pattern(width: 9, height: 4)
        #expect(PillowResampler.resizeBicubic(image, width: 9, height: 4) == image)
    }

    /// A flat image stays flat: the normalised weights sum to one in fixed point.
    @Test func flatImageStaysFlat() {
        let image = RGBImage(width: 37, height: 23, pixels: [UInt8](repeating: 200, count: 37 * 23 * 3))
        for (w, h) in [(5, 3), (80, 61), (37, 7), (2, 23), (1, 1)] {
            let out = PillowResampler.resizeBicubic(image, width: w, height: h)
            #expect(out.pixels.allSatisfy { $0 == 200 }, "\(w)x\(h)")
        }
    }

    /// Images large enough to be split across cores, each pass order, against Pillow 13.0.0
    /// (FNV-1a 64 of the output bytes, to keep the literals short).
    @Test(arguments: [(700, 500, 123, 97, UInt64(0x87fd2f98ff100052)),
                      (300, 900, 250, 100, 0x56c5fa27158533d0),   // vertical first
                      (400, 300, 611, 457, 0x2dac64e1a54adacc)])   // upscale
    func largeResizeMatchesPillow(width: Int, height: Int, outWidth: Int, outHeight: Int, fnv: UInt64) {
        let out = PillowResampler.resizeBicubic(Self.pattern(width: width, height: height),
                                                width: outWidth, height: outHeight)
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in out.pixels { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
        #expect(hash == fnv)
    }

    // MARK: fixture parity (bit-exact input tensors)

    /// Every input tensor the manifest's preprocessing table names (for the generator: the open_clip
    /// crop at the input and the alternative size, AnomalyCLIP's squash at the input size), bit for bit.
    @Test func fixtureInputsAreBitExact() throws {
        let fx = try ReferenceFixture.load()
        let tensors = fx.preprocessedInputs
        let expected = ["input.s\(try fx.int("image_size"))", "input.s\(try fx.int("alt_size"))",
                        "input_acl_u8.s\(try fx.int("image_size"))"]
        #expect(Set(expected).isSubset(of: Set(tensors)), "preprocessing table lists \(tensors), expected \(expected)")
        for tensor in tensors {
            try checkBitExact(tensor: tensor, mode: tensor.hasPrefix("input_acl") ? .squash : .crop, fixture: fx)
        }
    }

    /// Preprocesses every fixture image at `tensor`'s size with `mode` and compares with the reference
    /// (uint8 pixels for the squash tensors, float32 bit patterns for the others).
    private func checkBitExact(tensor: String, mode: ResizeMode, fixture fx: ReferenceFixture) throws {
        let info = try fx.reference.info(tensor)
        #expect(info.shape.count == 4 && info.shape[1] == 3 && info.shape[2] == info.shape[3])
        let size = info.shape[3]
        let files = fx.imageFiles
        #expect(files.count == info.shape[0])
        let plane = 3 * size * size
        let preprocess = try Preprocessor(inputSize: size, mode: mode)
        if info.dtype == .u8 {
            let reference = try fx.reference.uint8s(tensor)
            for (i, file) in files.enumerated() {
                let out = preprocess(try ImageDecoder().decode(file: fx.imagePath(file)).image)
                // The reference is CHW; the resized image is interleaved HWC.
                var chw = [UInt8](repeating: 0, count: plane)
                for p in 0..<(size * size) { for c in 0..<3 { chw[c * size * size + p] = out.resized.pixels[3 * p + c] } }
                let mismatches = zip(chw, reference[(i * plane)..<((i + 1) * plane)]).filter { $0 != $1 }.count
                #expect(mismatches == 0, "\(tensor)[\(i)] \(file): \(mismatches) of \(plane) bytes differ")
            }
        } else {
            let reference = try fx.reference.floats(tensor)
            for (i, file) in files.enumerated() {
                let out = preprocess(try ImageDecoder().decode(file: fx.imagePath(file)).image)
                #expect(out.pixels.count == plane)
                let expected = reference[(i * plane)..<((i + 1) * plane)]
                let mismatches = zip(out.pixels, expected).filter { $0.bitPattern != $1.bitPattern }.count
                let worst = zip(out.pixels, expected).map { abs($0 - $1) }.max() ?? 0
                #expect(mismatches == 0, "\(tensor)[\(i)] \(file): \(mismatches) of \(plane) floats differ (max \(worst))")
            }
        }
    }

    /// The manifest's table of resized sizes and crop offsets, per tensor and image.
    @Test func geometryMatchesManifest() throws {
        let fx = try ReferenceFixture.load()
        let rows = fx.preprocessing
        #expect(!rows.isEmpty)
        for row in rows {
            guard let tensor = row["tensor"] as? String, let original = row["original_wh"] as? [Int],
                  let resized = row["resized_wh"] as? [Int], let crop = row["crop_left_top"] as? [Int],
                  let size = row["crop_size"] as? Int, original.count == 2, resized.count == 2, crop.count == 2 else {
                Issue.record("malformed preprocessing entry \(row)")
                continue
            }
            let mode: ResizeMode = tensor.hasPrefix("input_acl") ? .squash : .crop
            let g = InputGeometry(originalWidth: original[0], originalHeight: original[1], inputSize: size, mode: mode)
            #expect([g.resizedWidth, g.resizedHeight] == resized, "\(tensor) \(row["image"] ?? "")")
            #expect([g.offsetX, g.offsetY] == crop, "\(tensor) \(row["image"] ?? "")")
            #expect(g.validInputRect() == (0, 0, size, size))
        }
    }

    // MARK: geometry

    @Test(arguments: ResizeMode.allCases)
    func pointsRoundTrip(mode: ResizeMode) {
        for (w, h) in [(100, 80), (80, 100), (64, 64), (2448, 2048), (31, 517)] {
            let g = InputGeometry(originalWidth: w, originalHeight: h, inputSize: 64, mode: mode)
            for (x, y) in [(0.0, 0.0), (Double(w) / 3, Double(h) * 0.7), (Double(w - 1), Double(h - 1)), (-0.5, -0.5)] {
                let p = g.inputPoint(originalX: x, originalY: y)
                let q = g.originalPoint(inputX: p.u, inputY: p.v)
                #expect(abs(q.x - x) < 1e-9 && abs(q.y - y) < 1e-9, "\(mode) \(w)x\(h) (\(x), \(y))")
            }
        }
    }

    @Test func originalPointFollowsPixelCentres() {
        // squash: the image corners map to the input corners, centres to centres.
        let s = InputGeometry(originalWidth: 100, originalHeight: 80, inputSize: 64, mode: .squash)
        #expect(s.originalPoint(inputX: -0.5, inputY: -0.5) == (x: -0.5, y: -0.5))
        #expect(s.originalPoint(inputX: 63.5, inputY: 63.5) == (x: 99.5, y: 79.5))
        #expect(s.originalPoint(inputX: 31.5, inputY: 31.5) == (x: 49.5, y: 39.5))
        // crop: 100x80 -> 80x64, crop at (8, 0): input column 0 is resized column 8,
        // whose centre 8.5 scales by 100/80 to 10.625, i.e. original x 10.125.
        let c = InputGeometry(originalWidth: 100, originalHeight: 80, inputSize: 64, mode: .crop)
        #expect(c.originalPoint(inputX: 0, inputY: 0) == (x: 10.125, y: 0.125))
        // pad: 100x80 -> 64x51 placed 6 rows down; the image's top edge is input row 5.5.
        let p = InputGeometry(originalWidth: 100, originalHeight: 80, inputSize: 64, mode: .pad)
        #expect(p.inputPoint(originalX: -0.5, originalY: -0.5) == (u: -0.5, v: 5.5))
    }

    @Test func padLayoutAndBars() throws {
        let landscape = InputGeometry(originalWidth: 100, originalHeight: 80, inputSize: 64, mode: .pad)
        #expect(landscape.resizedWidth == 64 && landscape.resizedHeight == 51)   // round(51.2)
        #expect(landscape.offsetX == 0 && landscape.offsetY == -6)
        #expect(landscape.validInputRect() == (0, 6, 64, 51))
        let portrait = InputGeometry(originalWidth: 80, originalHeight: 100, inputSize: 64, mode: .pad)
        #expect(portrait.validInputRect() == (6, 0, 51, 64))
        let sliver = InputGeometry(originalWidth: 1000, originalHeight: 1, inputSize: 64, mode: .pad)
        #expect(sliver.resizedHeight == 1 && sliver.validInputRect() == (0, 31, 64, 1))

        let image = Self.pattern(width: 100, height: 80)
        let out = try Preprocessor(inputSize: 64, mode: .pad)(image)
        #expect(out.geometry == landscape)
        let resized = PillowResampler.resizeBicubic(image, width: 64, height: 51)
        let plane = 64 * 64
        for v in 0..<64 {
            for u in 0..<64 {
                let i = v * 64 + u
                let rgb = Array(out.resized.pixels[(3 * i)..<(3 * i + 3)])
                if (6..<57).contains(v) {
                    let j = (v - 6) * 64 + u
                    #expect(rgb == Array(resized.pixels[(3 * j)..<(3 * j + 3)]))
                } else {
                    #expect(rgb == [123, 117, 104], "bar pixel (\(u), \(v))")
                    for c in 0..<3 { #expect(abs(out.pixels[c * plane + i]) < 0.01) }
                }
            }
        }
    }

    @Test func cropOffsetsFollowTorchvision() {
        // int(round((W - S) / 2)) with Python's half-to-even round.
        #expect(InputGeometry.centerCropOffset(resized: 65, crop: 64) == 0)
        #expect(InputGeometry.centerCropOffset(resized: 67, crop: 64) == 2)
        #expect(InputGeometry.centerCropOffset(resized: 69, crop: 64) == 2)
        #expect(InputGeometry.centerCropOffset(resized: 85, crop: 64) == 10)
        // Smaller than the crop: torchvision zero-pads (S - W) // 2 on the left/top first.
        #expect(InputGeometry.centerCropOffset(resized: 50, crop: 64) == -7)
        #expect(InputGeometry.centerCropOffset(resized: 51, crop: 64) == -6)
    }

    /// The crop path zero-fills whatever the resized image does not cover.
    @Test func placeZeroFillsOutsideTheImage() throws {
        let g = InputGeometry(originalWidth: 100, originalHeight: 80, inputSize: 64, mode: .pad)
        let small = RGBImage(width: 64, height: 51, pixels: [UInt8](repeating: 9, count: 64 * 51 * 3))
        let canvas = Preprocessor.place(small, geometry: g, fill: (0, 0, 0))
        #expect(canvas.pixels.filter { $0 == 9 }.count == 64 * 51 * 3)
        #expect(canvas.pixels.filter { $0 == 0 }.count == 64 * 13 * 3)
        #expect(canvas.pixels[(6 * 64) * 3] == 9 && canvas.pixels[(6 * 64) * 3 - 1] == 0)
    }

    @Test func squashAndCropShapes() throws {
        let image = Self.pattern(width: 90, height: 40)
        for mode in ResizeMode.allCases {
            let out = try Preprocessor(inputSize: 32, mode: mode)(image)
            #expect(out.pixels.count == 3 * 32 * 32)
            #expect(out.resized.width == 32 && out.resized.height == 32)
            #expect(out.geometry.mode == mode)
        }
        let crop = try Preprocessor(inputSize: 32, mode: .crop)(image)
        #expect(crop.geometry.resizedWidth == 72 && crop.geometry.resizedHeight == 32 && crop.geometry.offsetX == 20)
    }

    @Test func normalisationIsTorchvisionFloat32() throws {
        // One grey pixel, no resize: every channel is (v / 255 - mean) / std in float32.
        let out = try Preprocessor(inputSize: 1)(RGBImage(width: 1, height: 1, pixels: [0, 128, 255]))
        let mean = Preprocessor.clipMean, std = Preprocessor.clipStd
        #expect(out.pixels == [(Float(0) / 255 - mean[0]) / std[0],
                               (Float(128) / 255 - mean[1]) / std[1],
                               (Float(255) / 255 - mean[2]) / std[2]])
        #expect(mean[0] == Float(0.48145466 as Double) && std[2] == Float(0.27577711 as Double))
    }

    @Test func rejectsBadSettings() {
        #expect(throws: InspectionError.self) { try Preprocessor(inputSize: 0) }
        #expect(throws: InspectionError.self) { try Preprocessor(inputSize: 4097) }
        #expect(throws: InspectionError.self) { try Preprocessor(inputSize: 64, mean: [0.5, 0.5]) }
        #expect(throws: InspectionError.self) { try Preprocessor(inputSize: 64, mean: [0.5, .nan, 0.5]) }
        #expect(throws: InspectionError.self) { try Preprocessor(inputSize: 64, std: [0.2, 0, 0.2]) }
        #expect(throws: Never.self) { try Preprocessor(inputSize: 4096, mode: .pad) }
    }

    @Test func geometryIsCodable() throws {
        let g = InputGeometry(originalWidth: 128, originalHeight: 96, inputSize: 64, mode: .crop)
        let decoded = try JSONDecoder().decode(InputGeometry.self, from: try JSONEncoder().encode(g))
        #expect(decoded == g)
    }
}
