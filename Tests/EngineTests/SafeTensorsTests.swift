import Engine
import Foundation
import Testing

/// A per-test scratch directory, removed when the test's suite instance goes away.
private final class ScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("SafeTensorsTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    /// Writes raw bytes and returns the path.
    func write(_ bytes: [UInt8], name: String = "t.safetensors") throws -> String {
        let path = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// Builds a safetensors byte image by hand so malformed layouts can be produced.
private func rawFile(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
    let headerBytes = Array(header.utf8)
    var out: [UInt8] = []
    withUnsafeBytes(of: (declaredLength ?? UInt64(headerBytes.count)).littleEndian) { out.append(contentsOf: $0) }
    out += headerBytes
    out += data
    return out
}

private func bytes<T>(of values: [T]) -> [UInt8] {
    values.withUnsafeBytes { [UInt8]($0) }
}

/// Runs `body`, expects an EngineError and returns it for closer inspection.
@discardableResult
private func engineError(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> EngineError? {
    #expect(throws: EngineError.self, sourceLocation: sourceLocation) { try body() }
}

/// Expects `.invalidHeader` for `path` whose reason contains every fragment.
private func expectInvalidHeader(
    _ path: String, containing fragments: [String],
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
    let error = engineError(sourceLocation: sourceLocation, body)
    guard case let .invalidHeader(errorPath, reason)? = error else {
        Issue.record("expected .invalidHeader, got \(String(describing: error))", sourceLocation: sourceLocation)
        return
    }
    #expect(errorPath == path, sourceLocation: sourceLocation)
    for fragment in fragments {
        #expect(reason.contains(fragment), "reason '\(reason)' lacks '\(fragment)'", sourceLocation: sourceLocation)
    }
}

private func fixturePath(_ name: String) throws -> String {
    let dir = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    return dir.appendingPathComponent(name).path
}

@Suite struct SafeTensorsTests {
    private let scratch: ScratchDirectory

    init() throws {
        scratch = try ScratchDirectory()
    }

    // MARK: - File-level failures

    @Test func missingFileIsUnreadable() {
        let path = scratch.path("does-not-exist.safetensors")
        let error = engineError { _ = try SafeTensorsFile(path: path) }
        guard case let .unreadableFile(errorPath, reason)? = error else {
            Issue.record("expected .unreadableFile, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
        #expect(reason.contains("open"))
    }

    @Test func directoryIsUnreadable() {
        let path = scratch.url.path
        let error = engineError { _ = try SafeTensorsFile(path: path) }
        #expect(error == .unreadableFile(path: path, reason: "not a regular file"))
    }

    @Test func zeroByteFileIsTruncated() throws {
        let path = try scratch.write([])
        let error = engineError { _ = try SafeTensorsFile(path: path) }
        #expect(error == .truncatedFile(path: path, expectedBytes: 8, actualBytes: 0))
    }

    @Test func fiveByteFileIsTruncated() throws {
        let path = try scratch.write([1, 0, 0, 0, 0])
        let error = engineError { _ = try SafeTensorsFile(path: path) }
        #expect(error == .truncatedFile(path: path, expectedBytes: 8, actualBytes: 5))
    }

    @Test func headerLengthBeyondFileIsTruncated() throws {
        let path = try scratch.write(rawFile(header: "{}", declaredLength: 1000))
        let error = engineError { _ = try SafeTensorsFile(path: path) }
        #expect(error == .truncatedFile(path: path, expectedBytes: 1008, actualBytes: 10))
    }

    @Test(arguments: [UInt64.max, UInt64(Int64.max), 100_000_001, 0x1_0000_0000])
    func absurdHeaderLengthIsInvalid(declared: UInt64) throws {
        let path = try scratch.write(rawFile(header: "{}", declaredLength: declared))
        expectInvalidHeader(path, containing: ["\(declared)", "limit"]) { _ = try SafeTensorsFile(path: path) }
    }

    @Test func truncatedDataSectionIsOutOfRange() throws {
        let full = scratch.path("full.safetensors")
        try SafeTensorsWriter.write([
            .float32("a", shape: [2], [1, 2]),
            .float32("b", shape: [3], [3, 4, 5]),
        ], to: full)
        var image = try [UInt8](Data(contentsOf: URL(fileURLWithPath: full)))
        image.removeLast(5)
        let path = try scratch.write(image)
        let error = engineError { _ = try SafeTensorsFile(path: path) }
        #expect(error == .tensorOutOfRange(path: path, tensor: "b", begin: 8, end: 20, dataBytes: 15))
    }

    // MARK: - Header syntax

    @Test func badJSONIsInvalidHeader() throws {
        let path = try scratch.write(rawFile(header: "{\"w\": {\"dtype\": "))
        expectInvalidHeader(path, containing: ["not valid JSON"]) { _ = try SafeTensorsFile(path: path) }
    }

    @Test func emptyHeaderIsInvalidHeader() throws {
        let path = try scratch.write(rawFile(header: ""))
        expectInvalidHeader(path, containing: ["JSON"]) { _ = try SafeTensorsFile(path: path) }
    }

    @Test func invalidUTF8IsInvalidHeader() throws {
        var image = rawFile(header: "{\"w\":1}")
        image[10] = 0xFF
        let path = try scratch.write(image)
        expectInvalidHeader(path, containing: ["UTF-8"]) { _ = try SafeTensorsFile(path: path) }
    }

    @Test func jsonArrayIsInvalidHeader() throws {
        let path = try scratch.write(rawFile(header: "[1, 2, 3]"))
        expectInvalidHeader(path, containing: ["array", "object"]) { _ = try SafeTensorsFile(path: path) }
    }

    @Test(arguments: ["dtype", "shape", "data_offsets"])
    func missingFieldIsInvalidHeader(field: String) throws {
        var fields = ["\"dtype\": \"F32\"", "\"shape\": [2]", "\"data_offsets\": [0, 8]"]
        fields.removeAll { $0.hasPrefix("\"\(field)\"") }
        let header = "{\"w\": {\(fields.joined(separator: ", "))}}"
        let path = try scratch.write(rawFile(header: header, data: [UInt8](repeating: 0, count: 8)))
        expectInvalidHeader(path, containing: ["tensor 'w'", "missing field '\(field)'"]) {
            _ = try SafeTensorsFile(path: path)
        }
    }

    @Test(arguments: [
        ("{\"w\": 3}", "entry is a JSON number"),
        ("{\"w\": {\"dtype\": 3, \"shape\": [2], \"data_offsets\": [0, 8]}}", "field 'dtype'"),
        ("{\"w\": {\"dtype\": \"F32\", \"shape\": \"2\", \"data_offsets\": [0, 8]}}", "field 'shape'"),
        ("{\"w\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 8]}}", "shape[0]"),
        ("{\"w\": {\"dtype\": \"F32\", \"shape\": [true], \"data_offsets\": [0, 8]}}", "shape[0] is the boolean"),
        ("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0]}}", "has 1 elements"),
        ("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, \"8\"]}}", "data_offsets[1]"),
        ("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [-8, 0]}}", "data_offsets[0] is -8"),
        ("{\"w\": {\"dtype\": \"F32\", \"shape\": [18446744073709551616], \"data_offsets\": [0, 8]}}", "shape[0]"),
    ])
    func wrongFieldTypeIsInvalidHeader(header: String, fragment: String) throws {
        let path = try scratch.write(rawFile(header: header, data: [UInt8](repeating: 0, count: 8)))
        expectInvalidHeader(path, containing: ["tensor 'w'", fragment]) { _ = try SafeTensorsFile(path: path) }
    }

    @Test func negativeDimensionIsInvalidHeader() throws {
        let header = "{\"w\": {\"dtype\": \"F32\", \"shape\": [2, -2], \"data_offsets\": [0, 16]}}"
        let path = try scratch.write(rawFile(header: header, data: [UInt8](repeating: 0, count: 16)))
        expectInvalidHeader(path, containing: ["tensor 'w'", "shape[1] is -2"]) { _ = try SafeTensorsFile(path: path) }
    }

    @Test func shapeOverflowIsInvalidHeader() throws {
        let big = Int.max / 2
        let header = "{\"w\": {\"dtype\": \"F32\", \"shape\": [\(big), \(big)], \"data_offsets\": [0, 16]}}"
        let path = try scratch.write(rawFile(header: header, data: [UInt8](repeating: 0, count: 16)))
        expectInvalidHeader(path, containing: ["tensor 'w'", "more bytes"]) { _ = try SafeTensorsFile(path: path) }
    }

    @Test func nonStringMetadataIsInvalidHeader() throws {
        let header = "{\"__metadata__\": {\"format\": \"pt\", \"epoch\": 3}}"
        let path = try scratch.write(rawFile(header: header))
        expectInvalidHeader(path, containing: ["__metadata__", "epoch", "number"]) { _ = try SafeTensorsFile(path: path) }
    }

    @Test func nonObjectMetadataIsInvalidHeader() throws {
        let path = try scratch.write(rawFile(header: "{\"__metadata__\": [\"pt\"]}"))
        expectInvalidHeader(path, containing: ["__metadata__", "array"]) { _ = try SafeTensorsFile(path: path) }
    }

    // MARK: - Header semantics

    @Test(arguments: ["F8_E4M3", "Q4", "f32", "F64"])
    func unknownDTypeIsUnsupported(dtype: String) throws {
        let header = "{\"w\": {\"dtype\": \"\(dtype)\", \"shape\": [2], \"data_offsets\": [0, 2]}}"
        let path = try scratch.write(rawFile(header: header, data: [0, 0]))
        let error = engineError { _ = try SafeTensorsFile(path: path) }
        #expect(error == .unsupportedDType(path: path, tensor: "w", dtype: dtype))
    }

    @Test func reversedOffsetsAreOutOfRange() throws {
        let header = "{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 4]}}"
        let path = try scratch.write(rawFile(header: header, data: [UInt8](repeating: 0, count: 16)))
        let error = engineError { _ = try SafeTensorsFile(path: path) }
        #expect(error == .tensorOutOfRange(path: path, tensor: "w", begin: 8, end: 4, dataBytes: 16))
    }

    @Test func endBeyondDataIsOutOfRange() throws {
        let header = "{\"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [4, 20]}}"
        let path = try scratch.write(rawFile(header: header, data: [UInt8](repeating: 0, count: 16)))
        let error = engineError { _ = try SafeTensorsFile(path: path) }
        #expect(error == .tensorOutOfRange(path: path, tensor: "w", begin: 4, end: 20, dataBytes: 16))
    }

    @Test func overlappingTensorsAreRejected() throws {
        let header = """
            {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
             "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}
            """
        let path = try scratch.write(rawFile(header: header, data: [UInt8](repeating: 0, count: 12)))
        let error = engineError { _ = try SafeTensorsFile(path: path) }
        #expect(error == .overlappingTensors(path: path, first: "a", second: "b"))
    }

    @Test func containedTensorIsOverlapping() throws {
        // "inner" sits inside "outer"; "tail" lies after both. Only comparing adjacent pairs
        // after sorting would still see outer/inner, but tail must not be blamed.
        let header = """
            {"outer": {"dtype": "U8", "shape": [16], "data_offsets": [0, 16]},
             "inner": {"dtype": "U8", "shape": [4], "data_offsets": [4, 8]},
             "tail": {"dtype": "U8", "shape": [4], "data_offsets": [16, 20]}}
            """
        let path = try scratch.write(rawFile(header: header, data: [UInt8](repeating: 0, count: 20)))
        let error = engineError { _ = try SafeTensorsFile(path: path) }
        #expect(error == .overlappingTensors(path: path, first: "outer", second: "inner"))
    }

    @Test func sizeMismatchIsRejected() throws {
        let header = "{\"w\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [0, 12]}}"
        let path = try scratch.write(rawFile(header: header, data: [UInt8](repeating: 0, count: 16)))
        let error = engineError { _ = try SafeTensorsFile(path: path) }
        #expect(error == .tensorSizeMismatch(path: path, tensor: "w", expectedBytes: 16, actualBytes: 12))
    }

    @Test func gapsAndZeroSizeTensorsAreAccepted() throws {
        // Gaps between tensors and trailing bytes are legal; empty tensors never overlap anything.
        let header = """
            {"a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]},
             "empty": {"dtype": "F32", "shape": [0, 3], "data_offsets": [1, 1]},
             "b": {"dtype": "U8", "shape": [2], "data_offsets": [6, 8]}}   \u{20}
            """
        let path = try scratch.write(rawFile(header: header, data: [1, 2, 0, 0, 0, 0, 3, 4, 9, 9]))
        let file = try SafeTensorsFile(path: path)
        #expect(file.names == ["a", "b", "empty"])
        #expect(try file.uint8s("a") == [1, 2])
        #expect(try file.uint8s("b", shape: [2]) == [3, 4])
        #expect(try file.floats("empty", shape: [0, 3]) == [])
        #expect(try file.info("empty").elementCount == 0)
        #expect(file.metadata.isEmpty)
    }

    // MARK: - Accessor failures

    @Test func missingTensorLookup() throws {
        let path = scratch.path("m.safetensors")
        try SafeTensorsWriter.write([.float32("w", shape: [1], [1])], to: path)
        let file = try SafeTensorsFile(path: path)
        #expect(engineError { _ = try file.info("nope") } == .missingTensor(path: path, tensor: "nope"))
        #expect(engineError { _ = try file.floats("nope") } == .missingTensor(path: path, tensor: "nope"))
        #expect(engineError { _ = try file.int32s("nope") } == .missingTensor(path: path, tensor: "nope"))
        #expect(engineError { _ = try file.uint8s("nope") } == .missingTensor(path: path, tensor: "nope"))
    }

    @Test func shapeMismatchOnRead() throws {
        let path = scratch.path("s.safetensors")
        try SafeTensorsWriter.write([
            .float32("w", shape: [2, 2], [1, 2, 3, 4]),
            .init(name: "ids", dtype: .i32, shape: [2], data: bytes(of: [Int32(1), 2])),
            .init(name: "mask", dtype: .u8, shape: [2], data: [0, 255]),
        ], to: path)
        let file = try SafeTensorsFile(path: path)
        #expect(engineError { _ = try file.floats("w", shape: [4, 1]) }
            == .shapeMismatch(path: path, tensor: "w", expected: [4, 1], actual: [2, 2]))
        #expect(engineError { _ = try file.floats("w", shape: [4]) }
            == .shapeMismatch(path: path, tensor: "w", expected: [4], actual: [2, 2]))
        #expect(engineError { _ = try file.int32s("ids", shape: [1, 2]) }
            == .shapeMismatch(path: path, tensor: "ids", expected: [1, 2], actual: [2]))
        #expect(engineError { _ = try file.uint8s("mask", shape: []) }
            == .shapeMismatch(path: path, tensor: "mask", expected: [], actual: [2]))
        #expect(try file.floats("w", shape: [2, 2]) == [1, 2, 3, 4])
    }

    @Test func dtypeMismatchOnRead() throws {
        let path = scratch.path("d.safetensors")
        try SafeTensorsWriter.write([
            .float32("w", shape: [2], [1, 2]),
            .init(name: "ids", dtype: .i32, shape: [2], data: bytes(of: [Int32(1), 2])),
        ], to: path)
        let file = try SafeTensorsFile(path: path)
        #expect(engineError { _ = try file.uint8s("w") }
            == .dtypeMismatch(path: path, tensor: "w", expected: "U8", actual: "F32"))
        #expect(engineError { _ = try file.int32s("w") }
            == .dtypeMismatch(path: path, tensor: "w", expected: "I32 or I64", actual: "F32"))
        #expect(engineError { _ = try file.floats("ids") }
            == .dtypeMismatch(path: path, tensor: "ids", expected: "F32, F16 or BF16", actual: "I32"))
    }

    // MARK: - Round trips and conversions

    @Test func float32RoundTripWithMetadata() throws {
        let path = scratch.path("rt.safetensors")
        let weights: [Float] = [0, -1.5, .pi, .greatestFiniteMagnitude, -.leastNonzeroMagnitude, 1e-20]
        try SafeTensorsWriter.write([
            .float32("layer.weight", shape: [2, 3], weights),
            .float32("scalar", shape: [], [42]),
            .float32("b/empty", shape: [0], []),
        ], metadata: ["format": "pt", "note": "quote \" and / and ünïcode"], to: path)

        // Header is padded with spaces so the data section is 8-byte aligned.
        let image = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let headerLength = image[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect((8 + headerLength) % 8 == 0)
        #expect(image[8] == UInt8(ascii: "{"))
        #expect(image.count == 8 + headerLength + 4 * 7)

        let file = try SafeTensorsFile(path: path)
        #expect(file.path == path)
        #expect(file.metadata == ["format": "pt", "note": "quote \" and / and ünïcode"])
        #expect(file.names == ["b/empty", "layer.weight", "scalar"])
        #expect(try file.info("layer.weight")
            == file.tensors["layer.weight"])
        let info = try file.info("layer.weight")
        #expect(info.name == "layer.weight")
        #expect(info.dtype == .f32)
        #expect(info.shape == [2, 3])
        #expect(info.dataOffsets == 0..<24)
        #expect(info.elementCount == 6)
        #expect(try file.floats("layer.weight", shape: [2, 3]) == weights)
        #expect(try file.floats("scalar", shape: []) == [42])
        #expect(try file.info("scalar").elementCount == 1)
        #expect(try file.floats("b/empty") == [])
    }

    @Test func float16ConversionIsExact() throws {
        let cases: [(bits: UInt16, value: Float)] = [
            (0x0000, 0),
            (0x0001, 0x1p-24),              // smallest subnormal
            (0x03FF, 1023 * 0x1p-24),       // largest subnormal
            (0x8001, -0x1p-24),
            (0x0400, 0x1p-14),              // smallest normal
            (0x3C00, 1),
            (0x3555, 0.333251953125),
            (0xC000, -2),
            (0x7BFF, 65504),                // max
            (0xFBFF, -65504),
            (0x7C00, .infinity),
            (0xFC00, -.infinity),
        ]
        // A U8 tensor first puts the F16 data at an odd address, exercising unaligned loads.
        let bits = cases.map(\.bits) + [0x8000, 0x7E00, 0xFE01]
        let path = scratch.path("f16.safetensors")
        try SafeTensorsWriter.write([
            .init(name: "pad", dtype: .u8, shape: [1], data: [7]),
            .init(name: "h", dtype: .f16, shape: [bits.count], data: bytes(of: bits)),
        ], to: path)
        let file = try SafeTensorsFile(path: path)
        #expect(try file.info("h").dataOffsets == 1..<(1 + 2 * bits.count))
        let values = try file.floats("h", shape: [bits.count])
        for (index, item) in cases.enumerated() {
            #expect(values[index] == item.value, "bits 0x\(String(item.bits, radix: 16))")
        }
        let negativeZero = values[cases.count]
        #expect(negativeZero == 0 && negativeZero.sign == .minus)
        #expect(values[cases.count + 1].isNaN)
        #expect(values[cases.count + 1].bitPattern == 0x7FC0_0000)
        #expect(values[cases.count + 2].isNaN && values[cases.count + 2].sign == .minus)
        #expect(values[cases.count + 2].bitPattern == 0xFFC0_2000)  // payload preserved
    }

    #if !(os(macOS) && arch(x86_64))
    @Test func float16ConversionMatchesFloat16ForAllBitPatterns() {
        // The platform Float16 is only a test oracle here; the reader must not depend on it.
        var mismatches: [String] = []
        for raw in 0...UInt16.max {
            let ours = SafeTensorDType.float(fromFloat16Bits: raw)
            let reference = Float(Float16(bitPattern: raw))
            let same = reference.isNaN
                ? ours.isNaN && ours.sign == reference.sign
                : ours.bitPattern == reference.bitPattern
            if !same {
                mismatches.append("0x\(String(raw, radix: 16)): got \(ours), expected \(reference)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(5))")
    }
    #endif

    @Test func bfloat16Conversion() throws {
        let bits: [UInt16] = [0x3F80, 0xC000, 0x7F80, 0xFF80, 0x0001, 0x8000, 0x7FC0, 0x4049]
        let path = scratch.path("bf16.safetensors")
        try SafeTensorsWriter.write([.init(name: "b", dtype: .bf16, shape: [2, 4], data: bytes(of: bits))], to: path)
        let values = try SafeTensorsFile(path: path).floats("b", shape: [2, 4])
        #expect(values[0] == 1)
        #expect(values[1] == -2)
        #expect(values[2] == .infinity)
        #expect(values[3] == -.infinity)
        #expect(values[4] == 0x1p-133)
        #expect(values[5] == 0 && values[5].sign == .minus)
        #expect(values[6].isNaN)
        #expect(values[7] == 3.140625)
        #expect(values.map(\.bitPattern) == bits.map { UInt32($0) << 16 })
    }

    @Test func integerTensors() throws {
        let wide: [Int64] = [0, -1, Int64(Int32.max), Int64(Int32.min), 49406]
        let narrow: [Int32] = [5, -7, .max, .min]
        let path = scratch.path("int.safetensors")
        try SafeTensorsWriter.write([
            .init(name: "pad", dtype: .u8, shape: [3], data: [1, 2, 3]),  // misaligns what follows
            .init(name: "wide", dtype: .i64, shape: [5], data: bytes(of: wide)),
            .init(name: "narrow", dtype: .i32, shape: [2, 2], data: bytes(of: narrow)),
            .init(name: "huge", dtype: .i64, shape: [2], data: bytes(of: [Int64(1), Int64(Int32.max) + 1])),
        ], to: path)
        let file = try SafeTensorsFile(path: path)
        #expect(try file.int32s("wide", shape: [5]) == [0, -1, .max, .min, 49406])
        #expect(try file.int32s("narrow", shape: [2, 2]) == narrow)
        #expect(try file.uint8s("pad") == [1, 2, 3])
        #expect(engineError { _ = try file.int32s("huge") } == .dtypeMismatch(
            path: path, tensor: "huge", expected: "I64 values within the Int32 range",
            actual: "I64 value 2147483648 at element 1"))
    }

    @Test func writerRejectsInconsistentEntries() throws {
        let path = scratch.path("bad.safetensors")
        #expect(engineError {
            try SafeTensorsWriter.write([.init(name: "w", dtype: .f16, shape: [3], data: [0, 0, 0, 0])], to: path)
        } == .tensorSizeMismatch(path: path, tensor: "w", expectedBytes: 6, actualBytes: 4))
        let duplicate = engineError {
            try SafeTensorsWriter.write([.float32("w", shape: [1], [1]), .float32("w", shape: [1], [2])], to: path)
        }
        guard case .invalidArgument? = duplicate else {
            Issue.record("expected .invalidArgument, got \(String(describing: duplicate))")
            return
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func dtypeByteSizes() {
        #expect(SafeTensorDType.allCases.map(\.byteSize) == [4, 2, 2, 4, 8, 1])
        #expect(SafeTensorDType(rawValue: "BF16") == .bf16)
    }

    // MARK: - Real fixtures

    @Test func readsOpenCLIPFixture() throws {
        let file = try SafeTensorsFile(path: try fixturePath("model-openclip.safetensors"))
        #expect(file.metadata["format"] == "pt")
        #expect(file.tensors.count == 86)
        let info = try file.info("visual.conv1.weight")
        #expect(info.shape == [64, 3, 8, 8])
        #expect(info.dtype == .f16)
        let weights = try file.floats("visual.conv1.weight", shape: [64, 3, 8, 8])
        #expect(weights.count == 64 * 3 * 8 * 8)
        #expect(weights.allSatisfy { $0.isFinite })
        // Values computed with Python's struct '<e' from the same bytes.
        #expect(Array(weights.prefix(4)) == [-0.0679931640625, -0.01416015625, -0.03466796875, -0.0192413330078125])
        #expect(weights.last == 0.01227569580078125)
        #expect(try file.floats("logit_scale", shape: []) == [2.66015625])
        #expect(try file.floats("token_embedding.weight", shape: [49408, 32]).count == 49408 * 32)
    }

    @Test func readsReferenceTokenIDs() throws {
        let file = try SafeTensorsFile(path: try fixturePath("reference.safetensors"))
        let ids = try file.int32s("tokenizer.ids", shape: [40, 77])
        #expect(ids.count == 40 * 77)
        #expect(Array(ids.prefix(10)) == [49406, 320, 1125, 539, 320, 13568, 14115, 269, 49407, 0])
        #expect(ids.max() == 49407)
        #expect(ids.min() == 0)
        #expect(try file.uint8s("train.gt", shape: [2, 64, 64]).count == 2 * 64 * 64)
    }
}
