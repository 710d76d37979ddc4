import Foundation
import Testing
@testable import Inspection

@Suite("Defect classifier: errors")
struct DefectClassifierErrorTests {
    static let classes = DefectClassifierZeroShotTests.classes(2)

    /// The `item` of an `.invalidLabel` error, or nil for any other error.
    static func labelItem(_ error: InspectionError?) -> String? {
        guard case let .invalidLabel(item, _) = error else { return nil }
        return item
    }

    static func settingName(_ error: InspectionError?) -> String? {
        guard case let .invalidSetting(name, _, _) = error else { return nil }
        return name
    }

    @Test("class lists that would make predictions ambiguous")
    func badClasses() {
        let empty = #expect(throws: InspectionError.self) {
            try DefectClassifier(classes: [], textEmbeddings: [])
        }
        #expect(Self.settingName(empty) == "classes")
        let duplicate = #expect(throws: InspectionError.self) {
            try DefectClassifier(classes: [DefectClass(name: "a", description: ""), DefectClass(name: "a", description: "")],
                                 textEmbeddings: [[1, 0], [0, 1]])
        }
        #expect(Self.settingName(duplicate) == "classes[1].name")
        let reserved = #expect(throws: InspectionError.self) {
            try DefectClassifier(classes: [DefectClass(name: "unknown", description: "")], textEmbeddings: [[1, 0]])
        }
        #expect(Self.settingName(reserved) == "classes[0].name")
        #expect(throws: InspectionError.self) {
            try DefectClassifier(classes: [DefectClass(name: " ", description: "")], textEmbeddings: [[1, 0]])
        }
    }

    @Test("text embeddings: count, dimension, zero vectors")
    func badTextEmbeddings() {
        let count = #expect(throws: InspectionError.self) {
            try DefectClassifier(classes: Self.classes, textEmbeddings: [[1, 0]])
        }
        #expect(Self.labelItem(count) == "textEmbeddings")
        let width = #expect(throws: InspectionError.self) {
            try DefectClassifier(classes: Self.classes, textEmbeddings: [[1, 0], [0, 1, 0]])
        }
        #expect(Self.labelItem(width) == "textEmbeddings[1]")
        let zero = #expect(throws: InspectionError.self) {
            try DefectClassifier(classes: Self.classes, textEmbeddings: [[1, 0], [0, 0]])
        }
        #expect(Self.labelItem(zero) == "textEmbeddings[1]")
    }

    @Test("fit rejects unknown labels and wrong dimensions and stays unchanged")
    func badTrainingData() throws {
        let original = try DefectClassifier(classes: Self.classes, textEmbeddings: [[1, 0, 0], [0, 1, 0]])
        var classifier = original
        let unknown = #expect(throws: InspectionError.self) {
            try classifier.fit(features: [[1, 0, 0], [0, 1, 0]], labels: ["type0", "scratch"])
        }
        #expect(Self.labelItem(unknown) == "labels[1]")
        #expect(unknown?.description.contains("\"scratch\" is not a configured defect class (type0, type1)") == true)
        let dimension = #expect(throws: InspectionError.self) {
            try classifier.fit(features: [[1, 0, 0], [0, 1]], labels: ["type0", "type1"])
        }
        #expect(Self.labelItem(dimension) == "features[1]")
        let mismatch = #expect(throws: InspectionError.self) {
            try classifier.fit(features: [[1, 0, 0]], labels: ["type0", "type1"])
        }
        #expect(Self.labelItem(mismatch) == "labels")
        let nonFinite = #expect(throws: InspectionError.self) {
            try classifier.fit(features: [[1, .nan, 0]], labels: ["type0"])
        }
        #expect(Self.labelItem(nonFinite) == "features[0]")
        #expect(classifier == original)
    }

    @Test("predict rejects wrong dimensions and out-of-range settings")
    func badQueries() throws {
        var classifier = try DefectClassifier(classes: Self.classes, textEmbeddings: [[1, 0, 0], [0, 1, 0]])
        let dimension = #expect(throws: InspectionError.self) { try classifier.predict([1, 0]) }
        #expect(Self.labelItem(dimension) == "features[0]")
        #expect(throws: InspectionError.self) { try classifier.probabilities([0, 0, 0]) }
        classifier.coverage = 1
        let coverage = #expect(throws: InspectionError.self) { try classifier.predict([1, 0, 0]) }
        #expect(Self.settingName(coverage) == "coverage")
        classifier.coverage = 0.9
        classifier.confidenceFloor = -0.1
        #expect(throws: InspectionError.self) { try classifier.predict([1, 0, 0]) }
        classifier.confidenceFloor = 0.5
        classifier.logitScale = .infinity
        #expect(throws: InspectionError.self) { try classifier.fit(features: [], labels: []) }
    }
}
