import Foundation
@testable import Inspection
import Testing

/// FewShotFusion: weight validation and normalisation, and the fused map and score by hand.
@Suite struct MemoryBankFusionTests {
    typealias F = MemoryBankFixture

    @Test func defaultsAndNormalisation() throws {
        let standard = try FewShotFusion()
        #expect(standard.zeroShotWeight == 0.5)
        #expect(standard.memoryWeight == 0.5)
        let skewed = try FewShotFusion(zeroShotWeight: 3, memoryWeight: 1)
        #expect(skewed.zeroShotWeight == 0.75)
        #expect(skewed.memoryWeight == 0.25)
        let memoryOnly = try FewShotFusion(zeroShotWeight: 0, memoryWeight: 2)
        #expect(memoryOnly.zeroShotWeight == 0)
        #expect(memoryOnly.memoryWeight == 1)
    }

    @Test func rejectsInvalidWeights() {
        #expect(F.isInvalidSetting(F.error { try FewShotFusion(zeroShotWeight: -0.1, memoryWeight: 1) }, "zeroShotWeight"))
        #expect(F.isInvalidSetting(F.error { try FewShotFusion(zeroShotWeight: 1, memoryWeight: -1) }, "memoryWeight"))
        #expect(F.isInvalidSetting(F.error { try FewShotFusion(zeroShotWeight: 0, memoryWeight: 0) }, "memoryWeight"))
        #expect(F.isInvalidSetting(F.error { try FewShotFusion(zeroShotWeight: .nan, memoryWeight: 1) }, "zeroShotWeight"))
        #expect(F.isInvalidSetting(F.error { try FewShotFusion(zeroShotWeight: 1, memoryWeight: .infinity) }, "memoryWeight"))
    }

    @Test func fusesMapsByHand() throws {
        let fusion = try FewShotFusion(zeroShotWeight: 3, memoryWeight: 1)
        // Zero-shot map summed over 4 layers: /4 -> [0.1, 0.3, 0.5, 0].
        let fused = fusion.fuseMaps(zeroShot: [0.4, 1.2, 2.0, 0], zeroShotLayers: 4, memory: [0.2, 0, 1, 0.8])
        let expected: [Float] = [0.75 * 0.1 + 0.25 * 0.2, 0.75 * 0.3, 0.75 * 0.5 + 0.25 * 1, 0.25 * 0.8]
        #expect(fused.count == 4)
        for i in 0..<4 { #expect(abs(fused[i] - expected[i]) < 1e-6) }
        // Maps at the top of their ranges fuse to 1.
        #expect(fusion.fuseMaps(zeroShot: [4], zeroShotLayers: 4, memory: [1]) == [1])
    }

    @Test func fusesScoreByHand() throws {
        let fusion = try FewShotFusion(zeroShotWeight: 1, memoryWeight: 3)
        let score = fusion.fuseScore(zeroShotScore: 0.8, memoryMap: [0.1, 0.6, 0.3])
        #expect(abs(score - (0.25 * 0.8 + 0.75 * Double(Float(0.6)))) < 1e-12)
        #expect(fusion.fuseScore(zeroShotScore: 0.8, memoryMap: []) == 0.25 * 0.8)
    }

    @Test func codableRoundTripValidates() throws {
        let fusion = try FewShotFusion(zeroShotWeight: 2, memoryWeight: 6)
        let data = try JSONEncoder().encode(fusion)
        #expect(try JSONDecoder().decode(FewShotFusion.self, from: data) == fusion)
        let unnormalised = try JSONDecoder().decode(FewShotFusion.self,
                                                    from: Data(#"{"zeroShotWeight": 2, "memoryWeight": 2}"#.utf8))
        #expect(unnormalised == (try FewShotFusion()))
        #expect(F.isInvalidSetting(F.error {
            try JSONDecoder().decode(FewShotFusion.self, from: Data(#"{"zeroShotWeight": -1, "memoryWeight": 2}"#.utf8))
        }, "zeroShotWeight"))
    }
}
