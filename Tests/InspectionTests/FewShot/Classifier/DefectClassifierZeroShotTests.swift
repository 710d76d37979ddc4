import Foundation
import Testing
@testable import Inspection

@Suite("Defect classifier: zero-shot")
struct DefectClassifierZeroShotTests {
    static func classes(_ count: Int) -> [DefectClass] {
        (0 ..< count).map { DefectClass(name: "type\($0)", description: "defect type number \($0)") }
    }

    @Test("picks the class whose text embedding is nearest", arguments: [32, 768])
    func nearestTextEmbedding(dimension: Int) throws {
        var data = ClassifierSyntheticData(dimension: dimension, classCount: 5, seed: 11)
        // Unnormalised embeddings: the classifier must normalise them itself.
        let text = (0 ..< 5).map { index in data.randomUnit().map { $0 * Float(index + 1) } }
        var classifier = try DefectClassifier(classes: Self.classes(5), textEmbeddings: text)
        classifier.confidenceFloor = 0
        #expect(classifier.method == .zeroShot)
        #expect(classifier.embeddingDimension == dimension)
        let units = text.map(ClassifierSyntheticData.unit)
        for _ in 0 ..< 40 {
            let query = data.randomUnit()
            let cosines = units.map { unit in zip(unit, query).reduce(Float(0)) { $0 + $1.0 * $1.1 } }
            let nearest = cosines.indices.max { cosines[$0] < cosines[$1] } ?? -1
            let prediction = try classifier.predict(query)
            #expect(prediction.className == "type\(nearest)")
            let probabilities = try classifier.probabilities(query)
            #expect(abs(probabilities.reduce(0, +) - 1) < 1e-9)
            #expect(prediction.probability == probabilities[nearest])
            #expect(prediction.probabilities["type\(nearest)"] == probabilities[nearest])
            // Uncalibrated: the set is just the top class.
            #expect(prediction.predictionSet == ["type\(nearest)"])
        }
    }

    @Test("logits are logitScale · cos")
    func logitScale() throws {
        let classifier = try DefectClassifier(classes: Self.classes(2), textEmbeddings: [[1, 0], [0, 1]])
        let p = try classifier.probabilities([0.8, 0.6])
        // softmax(100 · [0.8, 0.6]) = [1 / (1 + e^-20), ...]
        #expect(abs(p[0] - 1 / (1 + exp(-20.0))) < 1e-6)
        var soft = classifier
        soft.logitScale = 10
        let softer = try soft.probabilities([0.8, 0.6])
        #expect(abs(softer[0] - 1 / (1 + exp(-2.0))) < 1e-6)
    }

    @Test("reports unknown below the confidence floor")
    func unknownBelowFloor() throws {
        var classifier = try DefectClassifier(
            classes: Self.classes(3), textEmbeddings: [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
        // Halfway between type0 and type1: about 0.5 each, type2 negligible.
        let query: [Float] = [1, 1, 0]
        classifier.confidenceFloor = 0.6
        let unsure = try classifier.predict(query)
        #expect(unsure.className == DefectClassifier.unknownClassName)
        #expect(abs(unsure.probability - 0.5) < 1e-6)
        #expect(unsure.predictionSet == ["type0"])
        classifier.confidenceFloor = 0.4
        #expect(try classifier.predict(query).className == "type0")
        // A clear case passes the default floor of 0.5.
        #expect(try DefectClassifier(classes: Self.classes(3), textEmbeddings: [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
            .predict([0.2, 1, 0.1]).className == "type1")
    }

    @Test("stays zero-shot when fitted without labels, and returns to it")
    func zeroShotWithoutLabels() throws {
        var data = ClassifierSyntheticData(dimension: 32, classCount: 3, seed: 5)
        let text = data.poorText()
        let initial = try DefectClassifier(classes: Self.classes(3), textEmbeddings: text)
        var classifier = initial
        try classifier.fit(features: [], labels: [])
        #expect(classifier == initial)
        #expect(classifier.method == .zeroShot)
        #expect(classifier.leaveOneOutAccuracy.isEmpty)
        #expect(classifier.conformalThreshold == nil)

        let train = data.samples(perClass: 6, noise: 0.5)
        try classifier.fit(features: train.features, labels: train.labels.map { "type\($0)" })
        #expect(classifier.method != .zeroShot)
        try classifier.fit(features: [], labels: [])
        #expect(classifier == initial)
    }

    @Test("prompt ensemble uses the description and the name")
    func prompts() {
        let scratch = DefectClass(name: "deep_scratch", description: "a thin bright line scratched into the metal surface.")
        #expect(DefectClassifier.prompts(for: scratch) == [
            "a thin bright line scratched into the metal surface.",
            "a photo of a thin bright line scratched into the metal surface.",
            "a photo of a deep scratch defect.",
            "a close-up photo of a deep scratch defect.",
        ])
        #expect(DefectClassifier.prompts(for: DefectClass(name: "edge-abrasion", description: " ")) == [
            "a photo of an edge abrasion defect.", "a close-up photo of an edge abrasion defect.",
        ])
    }
}
