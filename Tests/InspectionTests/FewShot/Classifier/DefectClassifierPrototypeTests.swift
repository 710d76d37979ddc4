import Foundation
import Testing
@testable import Inspection

/// The prototype method against numbers worked out by hand in 2-D (see each comment).
@Suite("Defect classifier: prototypes")
struct DefectClassifierPrototypeTests {
    /// Text a = (1, 0), b = (0, 1); support a1 = (1, 0), a2 = (0.6, 0.8), b1 = (0, 1); scale 10.
    static func fitted() throws -> DefectClassifier {
        var classifier = try DefectClassifier(
            classes: [DefectClass(name: "a", description: "a"), DefectClass(name: "b", description: "b")],
            textEmbeddings: [[1, 0], [0, 1]])
        classifier.logitScale = 10
        try classifier.fit(features: [[1, 0], [0.6, 0.8], [0, 1]], labels: ["a", "a", "b"], methods: [.prototype])
        return classifier
    }

    @Test("prototypes, query probabilities and leave-one-out match the hand computation")
    func handComputed() throws {
        let classifier = try Self.fitted()
        #expect(classifier.method == .prototype)
        guard case let .prototype(prototypes) = classifier.head else {
            Issue.record("head is \(classifier.head)")
            return
        }
        // a: (1.6, 0.8) / √3.2 = (0.894427, 0.447214); b: its single sample (0, 1).
        let expected: [Float] = [0.894427, 0.447214, 0, 1]
        for (value, want) in zip(prototypes.centroids.values, expected) { #expect(abs(value - want) < 1e-5) }
        // Query (0.8, 0.6): cos a = 0.983870, cos b = 0.6 → p(a) = σ(10 · 0.383870) = 0.978932.
        let prediction = try classifier.predict([0.8, 0.6])
        #expect(prediction.className == "a")
        #expect(abs(prediction.probability - 0.978932) < 1e-5)
        // Leave-one-out: a1 sees prototype a = a2 (cos 0.6 vs 0) → right; a2 sees a = a1
        // (cos 0.6 vs 0.8) → wrong; b1 leaves b empty, so b is its text (cos 1 vs 0.447) → right.
        #expect(abs((classifier.leaveOneOutAccuracy[.prototype] ?? 0) - 2.0 / 3) < 1e-12)
        #expect(Set(classifier.leaveOneOutAccuracy.keys) == [.prototype])
        // Conformal scores are 1 − p(true) of those held-out predictions: σ(−6), σ(2), σ(−5.527864).
        let scores = try #require(classifier.calibration?.scores)
        let want = [0.00395874, 0.00247262, 0.88079708].sorted()
        for (score, value) in zip(scores, want) { #expect(abs(score - value) < 1e-6) }
    }

    @Test("a class without support keeps its text weight; the unknown floor applies")
    func emptyClassAndFloor() throws {
        var classifier = try DefectClassifier(
            classes: [DefectClass(name: "a", description: "a"), DefectClass(name: "b", description: "b"),
                      DefectClass(name: "c", description: "c")],
            textEmbeddings: [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
        classifier.logitScale = 10
        classifier.confidenceFloor = 0.9
        try classifier.fit(features: [[1, 1, 0], [1, 0.9, 0]], labels: ["a", "a"], methods: [.prototype])
        guard case let .prototype(prototypes) = classifier.head else {
            Issue.record("head is \(classifier.head)")
            return
        }
        #expect(prototypes.centroids.row(1) == [0, 1, 0])
        #expect(prototypes.centroids.row(2) == [0, 0, 1])
        // Halfway between b and c: each 0.5 at best, below the floor of 0.9.
        #expect(try classifier.predict([0, 1, 1]).className == DefectClassifier.unknownClassName)
    }

    @Test("a fitted prototype classifier survives a round trip; an inconsistent one is rejected")
    func codable() throws {
        let classifier = try Self.fitted()
        let data = try JSONEncoder().encode(classifier)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains("\"method\":\"prototype\""))
        let decoded = try JSONDecoder().decode(DefectClassifier.self, from: data)
        #expect(decoded == classifier)
        #expect(try decoded.predict([0.8, 0.6]) == classifier.predict([0.8, 0.6]))
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        object["prototypes"] = nil
        let missing = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(DefectClassifier.self, from: missing) }
    }

    @Test("a classifier saved before prototypes existed still loads")
    func oldFile() throws {
        let json = """
            {"classes":[{"name":"a","description":"a"},{"name":"b","description":"b"}],"method":"zero_shot",\
            "confidenceFloor":0.5,"coverage":0.9,"logitScale":10,"leaveOneOutAccuracy":{"zero_shot":1,"cache":1,"linear_probe":0.5},\
            "textWeights":{"width":2,"rows":[[1,0],[0,1]]},"calibration":[0.1,0.2]}
            """
        let decoded = try JSONDecoder().decode(DefectClassifier.self, from: Data(json.utf8))
        #expect(decoded.method == .zeroShot)
        #expect(decoded.leaveOneOutAccuracy[.linearProbe] == 0.5)
        #expect(try decoded.predict([1, 0]).className == "a")
    }

    @Test("an empty method list is refused")
    func noMethods() throws {
        var classifier = try DefectClassifier(classes: [DefectClass(name: "a", description: "a")], textEmbeddings: [[1, 0]])
        #expect(throws: InspectionError.self) { try classifier.fit(features: [[1, 0]], labels: ["a"], methods: []) }
    }
}
