import Foundation
import Inspection
import Store
import Testing
import TestSupport

/// A QA mask drawn on the original image is carried onto the model's input grid through the
/// same squash / crop / pad as the image. Every expected grid is worked out by hand from the
/// nearest rule: input u → resized r = u + offset → original floor((r + 0.5) · orig / resized),
/// nothing where r falls outside the resized image (padding).
@Suite struct MaskProjectionTests {
    /// A gray 0/255 PNG from rows of 0/1 (row 0 first).
    private func mask(_ rows: [[Int]]) -> [UInt8] {
        let width = rows[0].count
        return TestPNG.gray(width: width, height: rows.count) { x, y in rows[y][x] == 0 ? 0 : 255 }
    }

    private func geometry(_ width: Int, _ height: Int, _ input: Int, _ mode: ResizeMode) -> InputGeometry {
        InputGeometry(originalWidth: width, originalHeight: height, inputSize: input, mode: mode)
    }

    /// The projection as rows of 0/1 Ints, for readable comparisons.
    private func project(_ png: [UInt8], _ g: InputGeometry) throws -> [[Int]] {
        let values = try MaskProjection.project(png: png, geometry: g, name: "mask of label 7")
        #expect(values.count == g.inputSize * g.inputSize)
        #expect(values.allSatisfy { $0 == 0 || $0 == 1 }, "projection must stay binary")
        return (0..<g.inputSize).map { v in (0..<g.inputSize).map { u in Int(values[v * g.inputSize + u]) } }
    }

    private func invalidMaskError(_ body: () throws -> Any) -> (path: String, reason: String)? {
        do {
            _ = try body()
            return nil
        } catch let InspectionError.invalidMask(path, reason) {
            return (path, reason)
        } catch {
            Issue.record("expected invalidMask, got \(error)")
            return nil
        }
    }

    // MARK: squash

    private let fourByTwo = [[1, 1, 0, 0],
                             [0, 0, 0, 1]]

    @Test func squashFourByTwoToFour() throws {
        // Columns: floor((u + .5) · 4/4) = u. Rows: floor((v + .5) · 2/4) = 0, 0, 1, 1.
        let g = geometry(4, 2, 4, .squash)
        #expect(try project(mask(fourByTwo), g) == [[1, 1, 0, 0],
                                                   [1, 1, 0, 0],
                                                   [0, 0, 0, 1],
                                                   [0, 0, 0, 1]])
    }

    @Test func squashFourByTwoToEight() throws {
        // Columns: floor((u + .5) / 2) = 0,0,1,1,2,2,3,3. Rows: floor((v + .5) / 4) = 0×4, 1×4.
        let g = geometry(4, 2, 8, .squash)
        let top = [1, 1, 1, 1, 0, 0, 0, 0]
        let bottom = [0, 0, 0, 0, 0, 0, 1, 1]
        #expect(try project(mask(fourByTwo), g) == [top, top, top, top, bottom, bottom, bottom, bottom])
    }

    @Test func squashDownsamplingSkipsColumnsByTheCentreRule() throws {
        // 5x3 → 4: columns floor((u + .5) · 5/4) = 0, 1, 3, 4 (column 2 never sampled);
        // rows floor((v + .5) · 3/4) = 0, 1, 1, 2.
        let g = geometry(5, 3, 4, .squash)
        let onlySkippedColumn = [[0, 0, 1, 0, 0],
                                 [0, 0, 1, 0, 0],
                                 [0, 0, 1, 0, 0]]
        #expect(try project(mask(onlySkippedColumn), g) == Array(repeating: [0, 0, 0, 0], count: 4))
        let corner = [[0, 0, 0, 0, 0],
                      [0, 0, 0, 0, 0],
                      [0, 0, 0, 1, 0]]
        // Original (3, 2) is sampled only by u = 2 (→ 3) and v = 3 (→ 2).
        #expect(try project(mask(corner), g) == [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0]])
    }

    @Test func rgbMaskWithEqualChannelsProjectsLikeGray() throws {
        var pixels = [UInt8]()
        for row in fourByTwo { for value in row { pixels += Array(repeating: UInt8(value * 255), count: 3) } }
        let rgb = try PNGEncoder.encodeRGB8(RGBImage(width: 4, height: 2, pixels: pixels))
        let g = geometry(4, 2, 8, .squash)
        #expect(try project(rgb, g) == project(mask(fourByTwo), g))
    }

    // MARK: crop

    @Test func cropScalesThenCutsTheCentreWindow() throws {
        // 8x4 at 2, crop: short side 4 → 2, long int(2·8/4) = 4, resized 4x2; offsetX =
        // round((4-2)/2) = 1, offsetY = 0. Column u → r = u+1 → floor((r+.5)·2) = 2u+3;
        // row v → floor((v+.5)·2) = 2v+1. So input (u, v) shows original (2u+3, 2v+1).
        let g = geometry(8, 4, 2, .crop)
        #expect(g.resizedWidth == 4 && g.resizedHeight == 2 && g.offsetX == 1 && g.offsetY == 0)
        let rows = [[1, 0, 0, 0, 0, 0, 0, 0],
                    [0, 0, 0, 1, 1, 0, 0, 0],   // (3,1) sampled; (4,1) between samples
                    [0, 0, 0, 0, 0, 0, 0, 0],
                    [0, 0, 0, 0, 0, 1, 0, 1]]   // (5,3) sampled; (7,3) cut away
        #expect(try project(mask(rows), g) == [[1, 0],
                                               [0, 1]])
    }

    @Test func cropOffsetRoundsHalfToEven() throws {
        // 5x2 at 2: resized 5x2 (scale 1), offsetX = round(1.5) half-to-even = 2, so the
        // window is original columns 2 and 3 (not 1 and 2).
        let g = geometry(5, 2, 2, .crop)
        #expect(g.offsetX == 2)
        let rows = [[0, 1, 1, 0, 0],
                    [0, 0, 0, 1, 1]]
        #expect(try project(mask(rows), g) == [[1, 0],
                                               [0, 1]])
    }

    // MARK: pad

    @Test func padLeavesTheBarsEmptyAndCentresTheImage() throws {
        // 4x2 at 4, pad: long side 4 → 4, short round(4·2/4) = 2, resized 4x2; offsetY =
        // -((4-2)/2) = -1. Rows 0 and 3 are padding; rows 1, 2 show original rows 0, 1.
        let g = geometry(4, 2, 4, .pad)
        #expect(g.offsetX == 0 && g.offsetY == -1)
        let full = [[1, 1, 1, 1], [1, 1, 1, 1]]
        #expect(try project(mask(full), g) == [[0, 0, 0, 0],
                                               [1, 1, 1, 1],
                                               [1, 1, 1, 1],
                                               [0, 0, 0, 0]])
        #expect(try project(mask(fourByTwo), g) == [[0, 0, 0, 0],
                                                    [1, 1, 0, 0],
                                                    [0, 0, 0, 1],
                                                    [0, 0, 0, 0]])
    }

    @Test func padOfATallImageLeavesSideColumnsEmpty() throws {
        // 2x6 at 3: resized round(3·2/6) = 1 wide, 3 high; offsetX = -((3-1)/2) = -1.
        // Column 1 shows original column floor(.5·2) = 1; rows floor((v+.5)·2) = 1, 3, 5.
        let g = geometry(2, 6, 3, .pad)
        #expect(g.resizedWidth == 1 && g.resizedHeight == 3 && g.offsetX == -1 && g.offsetY == 0)
        let full = Array(repeating: [1, 1], count: 6)
        #expect(try project(mask(full), g) == [[0, 1, 0], [0, 1, 0], [0, 1, 0]])
        let rows = [[0, 0], [0, 1], [1, 0], [1, 0], [1, 0], [0, 1]]
        // (1,1) → v0 yes; (1,3) → v1 no; (1,5) → v2 yes; column 0 never sampled.
        #expect(try project(mask(rows), g) == [[0, 1, 0], [0, 0, 0], [0, 1, 0]])
    }

    // MARK: refusals

    @Test func maskOfAnotherSizeIsRefusedNamingTheMask() throws {
        let g = geometry(5, 2, 4, .squash)
        let error = try #require(invalidMaskError {
            try MaskProjection.project(png: mask(fourByTwo), geometry: g, name: "mask of label 42")
        })
        #expect(error.path == "mask of label 42")
        #expect(error.reason.contains("4x2") && error.reason.contains("5x2"), "\(error.reason)")
        // Transposed sizes are not the same size either.
        let transposed = geometry(2, 4, 4, .squash)
        #expect(invalidMaskError { try MaskProjection.project(png: mask(fourByTwo), geometry: transposed, name: "m") }?
            .reason.contains("2x4") == true)
    }

    @Test func nonPNGAndNonBinaryMasksAreRefused() throws {
        let g = geometry(4, 2, 4, .squash)
        let text = try #require(invalidMaskError {
            try MaskProjection.project(png: Array("not an image at all".utf8), geometry: g, name: "mask of label 9")
        })
        #expect(text.path == "mask of label 9" && text.reason.hasPrefix("not a PNG"), "\(text.reason)")
        let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 0x4A, 0x46, 0x49, 0x46, 0, 1]
        let jpegError = try #require(invalidMaskError { try MaskProjection.project(png: jpeg, geometry: g, name: "j") })
        #expect(jpegError.reason.contains("JPEG"), "\(jpegError.reason)")
        let gray = TestPNG.gray(width: 4, height: 2) { x, _ in x == 0 ? 128 : 255 }
        let grayError = try #require(invalidMaskError { try MaskProjection.project(png: gray, geometry: g, name: "g") })
        #expect(grayError.reason.contains("not binary"), "\(grayError.reason)")
        #expect(invalidMaskError { try MaskProjection.project(png: [], geometry: g, name: "e") } != nil)
    }
}
