import Engine
import Foundation
import Testing

/// Learned prompts to safetensors bytes and back (retrained prompts are stored and reloaded
/// this way), the in-memory reader and writer underneath, and the seeded from-scratch init.
@Suite struct LearnedPromptsSerializationTests {
    let fx: FixtureSet
    let width: Int

    init() throws {
        fx = try FixtureSet.load()
        width = try SafeTensorsFile(path: fx.path("prompts.safetensors")).info("ctx_pos").shape.last ?? 0
    }

    private func fixturePrompts() throws -> LearnedPrompts {
        try LearnedPrompts.load(path: fx.path("prompts.safetensors"), width: width)
    }

    /// Bit-for-bit equality of every parameter and the object word.
    private func expectIdentical(_ a: LearnedPrompts, _ b: LearnedPrompts,
                                 sourceLocation: SourceLocation = #_sourceLocation) {
        func bits(_ v: [Float]) -> [UInt32] { v.map(\.bitPattern) }
        #expect(a.width == b.width, sourceLocation: sourceLocation)
        #expect(a.objectWord == b.objectWord, sourceLocation: sourceLocation)
        #expect(bits(a.normalContext) == bits(b.normalContext), sourceLocation: sourceLocation)
        #expect(bits(a.anomalousContext) == bits(b.anomalousContext), sourceLocation: sourceLocation)
        #expect(a.deepPrompts.map(bits) == b.deepPrompts.map(bits), sourceLocation: sourceLocation)
    }

    private func engineError(sourceLocation: SourceLocation = #_sourceLocation,
                             _ body: () throws -> Void) -> EngineError? {
        #expect(throws: EngineError.self, sourceLocation: sourceLocation) { try body() }
    }

    private func temporaryPath() -> String {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("LearnedPromptsSerializationTests-\(UUID().uuidString).safetensors").path
    }

    // MARK: - Round trips

    @Test func bytesRoundTripIsExact() throws {
        var prompts = try LearnedPrompts.random(contextLength: 5, deepPromptCount: 3, deepPromptLength: 2,
                                                width: 16, seed: 9)
        prompts.objectWord = "bottle"
        let bytes = try prompts.serialized()
        let loaded = try LearnedPrompts.load(bytes: bytes, name: "mem", width: 16)
        expectIdentical(prompts, loaded)
        #expect(try loaded.serialized() == bytes)
    }

    @Test func serializedUsesAnomalyCLIPNamesAndShapes() throws {
        let prompts = try LearnedPrompts.random(contextLength: 5, deepPromptCount: 2, deepPromptLength: 3,
                                                width: 8, seed: 1)
        let file = try SafeTensorsFile(bytes: try prompts.serialized(), name: "mem")
        #expect(file.names == ["compound_prompts_text.0", "compound_prompts_text.1", "ctx_neg", "ctx_pos"])
        #expect(try file.info("ctx_pos").shape == [1, 1, 5, 8])
        #expect(try file.info("ctx_neg").shape == [1, 1, 5, 8])
        #expect(try file.info("compound_prompts_text.1").shape == [3, 8])
        #expect(file.tensors.values.allSatisfy { $0.dtype == .f32 })
        #expect(file.metadata == ["format": "anomalyclip-prompts", "object_word": "object"])
    }

    @Test func serializedFileLoadsLikeTheBytes() throws {
        let prompts = try LearnedPrompts.random(contextLength: 4, deepPromptCount: 1, deepPromptLength: 2,
                                                width: 12, seed: 3)
        let bytes = try prompts.serialized()
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let fromFile = try LearnedPrompts.load(path: path, width: 12)
        expectIdentical(fromFile, try LearnedPrompts.load(bytes: bytes, name: path, width: 12))
        expectIdentical(prompts, fromFile)
    }

    @Test func fixturePromptsSurviveARoundTrip() throws {
        let original = try fixturePrompts()
        let bytes = try original.serialized()
        expectIdentical(original, try LearnedPrompts.load(bytes: bytes, name: "fixture", width: width))
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        expectIdentical(original, try LearnedPrompts.load(path: path, width: width))
    }

    // MARK: - Errors name the in-memory source

    @Test func truncatedBytesAreOutOfRange() throws {
        let prompts = try LearnedPrompts.random(contextLength: 3, deepPromptCount: 2, deepPromptLength: 2,
                                                width: 8, seed: 5)
        var bytes = try prompts.serialized()
        let last = try SafeTensorsFile(bytes: bytes, name: "full").info("compound_prompts_text.1")
        bytes.removeLast(5)
        let error = engineError { _ = try LearnedPrompts.load(bytes: bytes, name: "trained-7", width: 8) }
        let dataBytes = last.dataOffsets.upperBound - 5
        #expect(error == .tensorOutOfRange(path: "trained-7", tensor: "compound_prompts_text.1",
                                           begin: last.dataOffsets.lowerBound, end: last.dataOffsets.upperBound,
                                           dataBytes: dataBytes))
    }

    @Test(arguments: [0, 5])
    func bytesShorterThanThePrefixAreTruncated(count: Int) throws {
        let bytes = Array(try LearnedPrompts.random(contextLength: 1, deepPromptCount: 0, deepPromptLength: 1,
                                                    width: 4, seed: 1).serialized().prefix(count))
        #expect(engineError { _ = try LearnedPrompts.load(bytes: bytes, name: "short", width: 4) }
            == .truncatedFile(path: "short", expectedBytes: 8, actualBytes: count))
        // Identical to what a file of the same bytes gives.
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(engineError { _ = try SafeTensorsFile(path: path) }
            == .truncatedFile(path: path, expectedBytes: 8, actualBytes: count))
    }

    @Test func wrongWidthIsAShapeMismatch() throws {
        let bytes = try LearnedPrompts.random(contextLength: 3, deepPromptCount: 1, deepPromptLength: 2,
                                              width: 8, seed: 5).serialized()
        #expect(engineError { _ = try LearnedPrompts.load(bytes: bytes, name: "mem", width: 16) }
            == .shapeMismatch(path: "mem", tensor: "ctx_pos", expected: [1, 1, 3, 16], actual: [1, 1, 3, 8]))
    }

    @Test func invalidHeaderNamesTheSource() throws {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(2).littleEndian) { bytes.append(contentsOf: $0) }
        bytes += Array("[]".utf8)
        guard case let .invalidHeader(path, _)? = engineError({ _ = try SafeTensorsFile(bytes: bytes, name: "db:7") })
        else {
            Issue.record("expected .invalidHeader")
            return
        }
        #expect(path == "db:7")
    }

    @Test func encodeMatchesWrite() throws {
        let entries: [SafeTensorsWriter.Entry] = [
            .float32("a", shape: [2, 3], [1, 2, 3, 4, 5, 6]),
            .float32("scalar", shape: [], [42]),
        ]
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SafeTensorsWriter.write(entries, metadata: ["k": "v"], to: path)
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(try SafeTensorsWriter.encode(entries, metadata: ["k": "v"]) == written)
        let file = try SafeTensorsFile(bytes: written, name: "mem")
        #expect(file.path == "mem")
        #expect(try file.floats("a", shape: [2, 3]) == [1, 2, 3, 4, 5, 6])
    }

    // MARK: - Random initialisation

    @Test func randomIsDeterministicPerSeed() throws {
        let a = try LearnedPrompts.random(contextLength: 12, deepPromptCount: 8, deepPromptLength: 4, width: 32,
                                          seed: 42)
        let b = try LearnedPrompts.random(contextLength: 12, deepPromptCount: 8, deepPromptLength: 4, width: 32,
                                          seed: 42)
        let c = try LearnedPrompts.random(contextLength: 12, deepPromptCount: 8, deepPromptLength: 4, width: 32,
                                          seed: 43)
        expectIdentical(a, b)
        #expect(a.contextLength == 12)
        #expect(a.deepPrompts.count == 8)
        #expect(a.deepPrompts.allSatisfy { $0.count == 4 * 32 })
        #expect(a.normalContext != c.normalContext)
        #expect(a.normalContext != a.anomalousContext)
        #expect(a.deepPrompts[0] != a.deepPrompts[1])
    }

    @Test func randomHasTheRequestedSpread() throws {
        let p = try LearnedPrompts.random(contextLength: 1000, deepPromptCount: 1, deepPromptLength: 10, width: 100,
                                          seed: 7)
        let values = (p.normalContext + p.anomalousContext).map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        #expect(abs(mean) < 0.0005, "mean \(mean)")
        #expect(abs(std - 0.02) < 0.0005, "std \(std)")
        let wide = try LearnedPrompts.random(contextLength: 10, deepPromptCount: 0, deepPromptLength: 1, width: 100,
                                             seed: 7, standardDeviation: 1)
        let scale = Double(wide.normalContext.map(abs).max() ?? 0)
        #expect(scale > 1.5 && scale < 6, "max |x| \(scale) for std 1")
    }

    @Test(arguments: [
        (0, 1, 1, 8, "contextLength"), (1, -1, 1, 8, "deepPromptCount"), (1, 1, 0, 8, "deepPromptLength"),
        (1, 1, 1, 0, "width"),
    ])
    func randomRejectsBadArguments(n: Int, count: Int, length: Int, width: Int, name: String) {
        let error = engineError {
            _ = try LearnedPrompts.random(contextLength: n, deepPromptCount: count, deepPromptLength: length,
                                          width: width, seed: 1)
        }
        guard case let .invalidArgument(errorName, _)? = error else {
            Issue.record("expected .invalidArgument, got \(String(describing: error))")
            return
        }
        #expect(errorName == name)
    }

    @Test func randomRejectsANegativeDeviation() {
        let error = engineError {
            _ = try LearnedPrompts.random(contextLength: 1, deepPromptCount: 0, deepPromptLength: 1, width: 4, seed: 1,
                                          standardDeviation: -1)
        }
        guard case .invalidArgument("standardDeviation", _)? = error else {
            Issue.record("expected .invalidArgument(standardDeviation), got \(String(describing: error))")
            return
        }
    }
}
