@testable import Engine
import Foundation
import Testing

/// The encoder keeps its buffers between images: nothing of one image may leak into the next,
/// and concurrent calls must each get their own workspace.
@Suite struct ImageWorkspaceTests {
    private static func encoder() throws -> ImageEncoder {
        var rng = RandomWeights(seed: 31)
        var arch = CLIPArchitecture.vitB16
        (arch.visionWidth, arch.visionLayers, arch.visionHeads, arch.visionMLPWidth) = (32, 3, 4, 64)
        (arch.patchSize, arch.gridSize, arch.embedDim) = (4, 5, 16)
        return try ImageEncoder(tower: rng.visionTower(arch), inputHeight: 20, inputWidth: 20, taps: [1, 3],
                                dualPath: DualPathSetting(firstBlock: 2))
    }

    private static func image(seed: UInt64) -> [Float] {
        var rng = RandomWeights(seed: seed)
        return (0..<(3 * 20 * 20)).map { _ in rng.normal() }
    }

    private static func flatten(_ e: ImageEncoding) -> [Float] {
        e.imageEmbedding + e.classFeature + e.patchTokens.flatMap(\.values)
    }

    @Test func reusedWorkspaceGivesTheSameOutputs() throws {
        let encoder = try Self.encoder()
        let a = Self.image(seed: 1), b = Self.image(seed: 2)
        let first = Self.flatten(try encoder.encode(a))
        _ = try encoder.encode(b)
        let again = Self.flatten(try encoder.encode(a))
        #expect(first == again)
    }

    @Test func concurrentCallsDoNotShareBuffers() throws {
        let encoder = try Self.encoder()
        let images = (0..<6).map { Self.image(seed: UInt64(10 + $0)) }
        let serial = try images.map { Self.flatten(try encoder.encode($0)) }
        let results = ResultBox(count: images.count)
        DispatchQueue.concurrentPerform(iterations: images.count) { i in
            results.set(i, (try? encoder.encode(images[i])).map(Self.flatten) ?? [])
        }
        #expect(results.values == serial)
    }
}

/// Collects per-index results from concurrent test workers.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [[Float]]

    init(count: Int) { stored = Array(repeating: [], count: count) }

    func set(_ index: Int, _ value: [Float]) { lock.withLock { stored[index] = value } }

    var values: [[Float]] { lock.withLock { stored } }
}
