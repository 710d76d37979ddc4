import Foundation
import Testing
@testable import Inspection

/// InMaP-style refinement on synthetic features: four well-separated image clusters sharing
/// one "image cone" direction, and text vectors that hold each cluster's direction but are
/// offset towards the cone by a different amount per class — the modality gap that sends most
/// images to the class whose description sits closest to every image.
@Suite("Defect classifier: InMaP-style zero-shot refinement")
struct ZeroShotRefinementTests {
    static let classCount = 4
    static let dimension = 32

    struct Window {
        var features: [[Float]] = []
        var labels: [Int] = []
        var text: [[Float]] = []
    }

    /// 30 images per class in `present`, noise 0.12 per coordinate around `1.5·cone + centre`;
    /// text `centre + 4·β_c·cone + 1.5·shared` with β = 1, 2/3, 1/3, 0.
    static func window(seed: UInt64, present: [Int] = Array(0 ..< classCount)) -> Window {
        var rng = ClassifierTestRNG(seed: seed)
        func gaussian() -> [Float] { (0 ..< dimension).map { _ in rng.gaussian() } }
        let cone = ClassifierSyntheticData.unit(gaussian())
        let centres = (0 ..< classCount).map { _ in ClassifierSyntheticData.unit(gaussian()) }
        var window = Window()
        for c in present {
            for _ in 0 ..< 30 {
                let noise = gaussian()
                window.features.append(ClassifierSyntheticData.unit((0 ..< dimension).map {
                    1.5 * cone[$0] + centres[c][$0] + 0.12 * noise[$0]
                }))
                window.labels.append(c)
            }
        }
        let shared = ClassifierSyntheticData.unit(gaussian())
        window.text = (0 ..< classCount).map { c in
            let beta = Float(classCount - 1 - c) / Float(classCount - 1)
            return ClassifierSyntheticData.unit((0 ..< dimension).map { centres[c][$0] + 4 * beta * cone[$0] + 1.5 * shared[$0] })
        }
        return window
    }

    static func accuracy(_ classifier: DefectClassifier, _ window: Window) throws -> Double {
        let rows = try classifier.probabilities(window.features)
        let correct = zip(rows, window.labels).filter { DefectClassifier.Scores.argmax($0) == $1 }.count
        return Double(correct) / Double(window.labels.count)
    }

    static func classifier(_ window: Window) throws -> DefectClassifier {
        try DefectClassifier(classes: DefectClassifierZeroShotTests.classes(classCount), textEmbeddings: window.text)
    }

    @Test("offset text vectors: from near chance to above 0.9", arguments: [1, 2, 3] as [UInt64])
    func offsetText(seed: UInt64) throws {
        let window = Self.window(seed: seed)
        var classifier = try Self.classifier(window)
        let before = try Self.accuracy(classifier, window)
        #expect(try classifier.refineZeroShot(unlabelled: window.features))
        let after = try Self.accuracy(classifier, window)
        print(String(format: "InMaP synthetic seed %d: zero-shot %.3f -> refined %.3f", Int(seed), before, after))
        #expect(before < 0.7, "zero-shot should be poor here: \(before)")
        #expect(after > 0.9, "refined \(after) (zero-shot \(before))")
        #expect(classifier.method == .zeroShot)
    }

    /// Class 1 (a middling offset) or class 0 (the description closest to every image) absent.
    @Test("a class absent from the window does not collapse the others",
          arguments: [1, 2, 3] as [UInt64], [0, 1])
    func absentClass(seed: UInt64, absent: Int) throws {
        let window = Self.window(seed: seed, present: absent == 1 ? [0, 2, 3] : [1, 2, 3])
        var classifier = try Self.classifier(window)
        let before = try Self.accuracy(classifier, window)
        try classifier.refineZeroShot(unlabelled: window.features)
        let after = try Self.accuracy(classifier, window)
        print(String(format: "InMaP synthetic seed %d, class %d absent: zero-shot %.3f -> refined %.3f", Int(seed), absent,
                     before, after))
        #expect(after > 0.9, "refined \(after) (zero-shot \(before))")
        // The absent class keeps its text vector and wins no image of the present clusters.
        let text = try DefectClassifier.Rows.normalised([window.text[absent]], width: Self.dimension, item: "text").row(0)
        #expect(zip(classifier.textWeights[absent], text).allSatisfy { abs($0 - $1) < 1e-6 })
        let predicted = try classifier.probabilities(window.features).map(DefectClassifier.Scores.argmax)
        #expect(predicted.filter { $0 == absent }.count <= window.labels.count / 20)
    }

    @Test("too few images keep plain zero-shot; refining then fitting works")
    func fallbackAndFit() throws {
        let window = Self.window(seed: 4)
        var classifier = try Self.classifier(window)
        let plain = classifier
        #expect(try !classifier.refineZeroShot(unlabelled: Array(window.features.prefix(5))))
        #expect(classifier == plain)
        try classifier.refineZeroShot(unlabelled: window.features)
        try classifier.fit(features: Array(window.features.prefix(3)) + Array(window.features.suffix(3)),
                           labels: ["type0", "type0", "type0", "type3", "type3", "type3"])
        #expect(try Self.accuracy(classifier, window) > 0.9)
    }
}
