import Foundation
import Testing
@testable import Inspection

@Suite("Defect classifier: fitting and leave-one-out")
struct DefectClassifierFitTests {
    static func names(_ labels: [Int]) -> [String] { labels.map { "type\($0)" } }

    static func accuracy(_ classifier: DefectClassifier, _ features: [[Float]], _ labels: [Int]) throws -> Double {
        let rows = try classifier.probabilities(features)
        let correct = zip(rows, labels).filter { DefectClassifier.Scores.argmax($0) == $1 }.count
        return Double(correct) / Double(labels.count)
    }

    @Test("beats chance and zero-shot when the descriptions are poor", arguments: [32, 768])
    func poorText(dimension: Int) throws {
        var data = ClassifierSyntheticData(dimension: dimension, classCount: 4, seed: 21)
        let zeroShot = try DefectClassifier(classes: DefectClassifierZeroShotTests.classes(4),
                                            textEmbeddings: data.poorText())
        let train = data.samples(perClass: 6, noise: 0.8)
        let test = data.samples(perClass: 40, noise: 0.8)
        var fitted = zeroShot
        try fitted.fit(features: train.features, labels: Self.names(train.labels))

        let before = try Self.accuracy(zeroShot, test.features, test.labels)
        let after = try Self.accuracy(fitted, test.features, test.labels)
        #expect(fitted.method != .zeroShot)
        #expect(after > 0.25 + 0.4)
        #expect(after > before + 0.4)
        let loo = fitted.leaveOneOutAccuracy
        #expect(Set(loo.keys) == Set(ClassifierMethod.allCases))
        #expect((loo[fitted.method] ?? 0) > (loo[.zeroShot] ?? 1))
        #expect(loo.values.allSatisfy { (0 ... 1).contains($0) })
    }

    @Test("keeps zero-shot when it is already perfect (ties go to the simpler method)")
    func goodTextStaysZeroShot() throws {
        var data = ClassifierSyntheticData(dimension: 32, classCount: 3, seed: 4)
        var classifier = try DefectClassifier(classes: DefectClassifierZeroShotTests.classes(3),
                                              textEmbeddings: data.goodText(noise: 0.1))
        let train = data.samples(perClass: 5, noise: 0.3)
        try classifier.fit(features: train.features, labels: Self.names(train.labels))
        #expect(classifier.leaveOneOutAccuracy[.zeroShot] == 1)
        #expect(classifier.method == .zeroShot)
        #expect(classifier.conformalThreshold != nil)
    }

    @Test("fitting is deterministic")
    func deterministic() throws {
        var data = ClassifierSyntheticData(dimension: 32, classCount: 3, seed: 8)
        let base = try DefectClassifier(classes: DefectClassifierZeroShotTests.classes(3), textEmbeddings: data.poorText())
        let train = data.samples(perClass: 5, noise: 0.9)
        var first = base
        var second = base
        try first.fit(features: train.features, labels: Self.names(train.labels))
        try second.fit(features: train.features, labels: Self.names(train.labels))
        #expect(first == second)
    }

    /// Pure-noise features (random directions in 768-D are nearly orthogonal) with labels and
    /// identical text weights: every trained model memorises its own training set, so an
    /// in-sample evaluation would score 100 %, while honest leave-one-out is near chance.
    @Test("leave-one-out never sees the held-out sample")
    func honestLeaveOneOut() throws {
        var data = ClassifierSyntheticData(dimension: 768, classCount: 3, seed: 99)
        let same = data.randomUnit()
        let base = try DefectClassifier(classes: DefectClassifierZeroShotTests.classes(3),
                                        textEmbeddings: [same, same, same])
        let features = (0 ..< 24).map { _ in data.randomUnit() }
        let labels = (0 ..< 24).map { $0 % 3 }
        var classifier = base
        try classifier.fit(features: features, labels: Self.names(labels))
        let loo = classifier.leaveOneOutAccuracy
        // Uniform zero-shot scores pick type0, right for a third of the samples.
        #expect(abs((loo[.zeroShot] ?? 0) - 1.0 / 3) < 1e-12)
        #expect((loo[.cache] ?? 1) <= 0.6)
        #expect((loo[.linearProbe] ?? 1) <= 0.6)

        // The same models fitted on all samples are perfect in-sample.
        let rows = try DefectClassifier.Rows.normalised(features, width: 768, item: "features")
        let set = DefectClassifier.TrainingSet(features: rows, labels: labels, text: base.text, scale: base.logitScale)
        var probe = base
        probe.head = .linearProbe(DefectClassifier.LinearProbe.fit(set, text: base.text).probe)
        var cache = base
        cache.head = .cache(DefectClassifier.CacheModel.fit(set).model)
        #expect(try Self.accuracy(probe, features, labels) == 1)
        #expect(try Self.accuracy(cache, features, labels) == 1)

        // Duplicate every sample: now each held-out sample's twin is in the fit, and honest
        // leave-one-out is (near) perfect for the cache, which wins the tie with the probe.
        var doubled = base
        try doubled.fit(features: features + features, labels: Self.names(labels + labels))
        #expect((doubled.leaveOneOutAccuracy[.cache] ?? 0) >= 0.95)
        #expect(doubled.method != .zeroShot)
    }

    @Test("leave-one-out accuracy of zero-shot is plain accuracy")
    func zeroShotAccuracy() throws {
        var classifier = try DefectClassifier(classes: DefectClassifierZeroShotTests.classes(2),
                                              textEmbeddings: [[1, 0], [0, 1]])
        // Three right, one wrong.
        try classifier.fit(features: [[1, 0.1], [1, 0.2], [0.1, 1], [0.1, 1]],
                           labels: ["type0", "type0", "type1", "type0"])
        #expect(classifier.leaveOneOutAccuracy[.zeroShot] == 0.75)
    }
}
