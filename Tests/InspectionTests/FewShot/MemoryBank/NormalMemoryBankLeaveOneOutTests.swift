@testable import Engine
@testable import Inspection
import Testing

/// Leave-one-out in one bank: skipping an image's own rows gives the distances of a bank
/// rebuilt without it (the naive twin), at every chunk size, for every image.
@Suite struct NormalMemoryBankLeaveOneOutTests {
    typealias F = MemoryBankFixture

    @Test(arguments: [1, 5, 13, 1 << 30])
    func skippingOwnRowsEqualsABankOfTheOthers(scoreBudgetRows: Int) throws {
        let images = (0..<5).map { F.random(seed: 40 + UInt64($0), layers: 3, rows: 3, columns: 5, e: 12) }
        var all = NormalMemoryBank(embedDim: 12, layerCount: 2)
        for image in images { try all.add(image, layers: [2, 0]) }
        all.scoreBudget = scoreBudgetRows * 4 * 15
        for i in images.indices {
            var others = NormalMemoryBank(embedDim: 12, layerCount: 2)
            for (j, image) in images.enumerated() where j != i { try others.add(image, layers: [2, 0]) }
            let naive = try others.patchDistances(images[i], layers: [2, 0])
            let fast = try all.patchDistances(images[i], layers: [2, 0], excludingImage: i)
            for (a, b) in zip(naive, fast) {
                for (x, y) in zip(a, b) { #expect(abs(x - y) < 1e-5, "image \(i): \(x) vs \(y)") }
            }
            // Without the exclusion the image finds itself.
            #expect(try all.patchDistances(images[i], layers: [2, 0]).allSatisfy { $0.allSatisfy { $0 < 1e-5 } })
        }
    }

    @Test func anImageTheBankDoesNotKnowIsRefused() throws {
        var bank = NormalMemoryBank(embedDim: 8, layerCount: 1)
        let image = F.random(seed: 3, layers: 1, rows: 2, columns: 2, e: 8)
        try bank.add(image, layers: [0])
        #expect(throws: InspectionError.self) { try bank.patchDistances(image, layers: [0], excludingImage: 1) }
        #expect(throws: InspectionError.self) {
            try bank.coreset(maxPatchesPerLayer: 2).patchDistances(image, layers: [0], excludingImage: 0)
        }
    }
}
