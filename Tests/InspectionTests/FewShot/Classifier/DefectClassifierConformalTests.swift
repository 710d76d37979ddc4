import Foundation
import Testing
@testable import Inspection

@Suite("Defect classifier: conformal prediction sets")
struct DefectClassifierConformalTests {
    @Test("threshold is the ceil((n + 1) · coverage)-th smallest score")
    func thresholdRank() {
        let calibration = DefectClassifier.ConformalCalibration(scores: [0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.4, 0.6, 0.8])
        #expect(calibration.threshold(coverage: 0.9) == 0.9)  // rank 9 of 9
        #expect(calibration.threshold(coverage: 0.5) == 0.5)  // rank 5
        #expect(calibration.threshold(coverage: 0.05) == 0.1)  // rank 1
        // Too few scores for 95 %: rank 10 > 9, so every class is in the set.
        #expect(calibration.threshold(coverage: 0.95) == .infinity)
        #expect(calibration.set(probabilities: [0.1, 0.7, 0.2], coverage: 0.95) == [1, 2, 0])
        // 1 - p <= 0.5 keeps p >= 0.5; an empty LAC set falls back to the top class.
        #expect(calibration.set(probabilities: [0.3, 0.6, 0.1], coverage: 0.5) == [1])
        #expect(calibration.set(probabilities: [0.3, 0.4, 0.3], coverage: 0.5) == [1])
        #expect(calibration.set(probabilities: [0.15, 0.05, 0.8], coverage: 0.9) == [2, 0])
    }

    /// Mean coverage and set size over `draws` independent fits on fresh synthetic data.
    static func coverageRun(noise: Float, draws: Int, coverage: Double) throws -> (coverage: Double, size: Double) {
        var covered = 0
        var sizes = 0
        var total = 0
        for draw in 0 ..< draws {
            var data = ClassifierSyntheticData(dimension: 32, classCount: 4, seed: UInt64(500 + draw))
            var classifier = try DefectClassifier(classes: DefectClassifierZeroShotTests.classes(4),
                                                  textEmbeddings: data.goodText(noise: 1.0))
            classifier.coverage = coverage
            let train = data.samples(perClass: 8, noise: noise)
            try classifier.fit(features: train.features, labels: DefectClassifierFitTests.names(train.labels))
            let test = data.samples(perClass: 40, noise: noise)
            for (prediction, label) in zip(try classifier.predict(test.features), test.labels) {
                if prediction.predictionSet.contains("type\(label)") { covered += 1 }
                sizes += prediction.predictionSet.count
                total += 1
            }
        }
        return (Double(covered) / Double(total), Double(sizes) / Double(total))
    }

    @Test("sets reach the coverage on held-out data and are smaller when classes are easy")
    func coverageAndSize() throws {
        let hard = try Self.coverageRun(noise: 2.0, draws: 12, coverage: 0.9)
        let easy = try Self.coverageRun(noise: 0.5, draws: 6, coverage: 0.9)
        #expect(hard.coverage >= 0.9 - 0.03)
        #expect(easy.coverage >= 0.9 - 0.03)
        // Informative, not the trivial all-classes set.
        #expect(hard.size < 3)
        #expect(easy.size < hard.size)
        #expect(easy.size < 1.1)
    }

    @Test("coverage can be changed after fitting")
    func coverageAfterFit() throws {
        var data = ClassifierSyntheticData(dimension: 32, classCount: 4, seed: 77)
        var classifier = try DefectClassifier(classes: DefectClassifierZeroShotTests.classes(4),
                                              textEmbeddings: data.goodText(noise: 1.0))
        let train = data.samples(perClass: 8, noise: 2.0)
        try classifier.fit(features: train.features, labels: DefectClassifierFitTests.names(train.labels))
        let test = data.samples(perClass: 10, noise: 2.0).features
        func meanSize(_ c: DefectClassifier) throws -> Double {
            Double(try c.predict(test).map(\.predictionSet.count).reduce(0, +)) / Double(test.count)
        }
        let threshold90 = try #require(classifier.conformalThreshold)
        let size90 = try meanSize(classifier)
        classifier.coverage = 0.6
        let threshold60 = try #require(classifier.conformalThreshold)
        #expect(threshold60 <= threshold90)
        #expect(try meanSize(classifier) <= size90)
    }
}
