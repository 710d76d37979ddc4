import Foundation
import Testing
@testable import Inspection

@Suite("Defect classifier: Codable")
struct DefectClassifierCodableTests {
    static func roundTrip(_ classifier: DefectClassifier) throws -> (DefectClassifier, String) {
        let data = try JSONEncoder().encode(classifier)
        return (try JSONDecoder().decode(DefectClassifier.self, from: data), String(decoding: data, as: UTF8.self))
    }

    static func fitted(seed: UInt64) throws -> (DefectClassifier, [[Float]]) {
        var data = ClassifierSyntheticData(dimension: 32, classCount: 3, seed: seed)
        var classifier = try DefectClassifier(classes: DefectClassifierZeroShotTests.classes(3), textEmbeddings: data.poorText())
        let train = data.samples(perClass: 5, noise: 0.7)
        // Without prototypes, which would win here: these tests are about the probe's file.
        try classifier.fit(features: train.features, labels: DefectClassifierFitTests.names(train.labels),
                           methods: [.zeroShot, .cache, .linearProbe])
        return (classifier, data.samples(perClass: 4, noise: 0.7).features)
    }

    @Test("zero-shot classifier with custom settings")
    func zeroShot() throws {
        var classifier = try DefectClassifier(
            classes: [DefectClass(name: "scratch", description: "a thin line"), DefectClass(name: "dent", description: "a dip")],
            textEmbeddings: [[1, 2, 3], [3, 2, 1]])
        classifier.confidenceFloor = 0.3
        classifier.coverage = 0.8
        classifier.logitScale = 50
        let (decoded, json) = try Self.roundTrip(classifier)
        #expect(decoded == classifier)
        #expect(json.contains("\"method\":\"zero_shot\""))
        #expect(try decoded.predict([1, 1, 2]) == classifier.predict([1, 1, 2]))
    }

    @Test("fitted linear probe and cache model survive a round trip")
    func fittedHeads() throws {
        let (probe, queries) = try Self.fitted(seed: 31)
        #expect(probe.method == .linearProbe)
        var cache = probe
        let rows = try DefectClassifier.Rows.normalised(queries, width: 32, item: "q")
        let set = DefectClassifier.TrainingSet(features: rows, labels: queries.indices.map { $0 % 3 },
                                               text: probe.text, scale: probe.logitScale)
        cache.head = .cache(DefectClassifier.CacheModel.fit(set).model)
        for classifier in [probe, cache] {
            let (decoded, json) = try Self.roundTrip(classifier)
            #expect(decoded == classifier)
            #expect(json.contains("\"method\":\"\(classifier.method.rawValue)\""))
            // Accuracies are keyed by the method's raw value.
            #expect(json.contains("\"linear_probe\":"))
            #expect(try decoded.predict(queries) == classifier.predict(queries))
        }
    }

    @Test("inconsistent files are rejected; missing settings take their defaults")
    func corruptFiles() throws {
        let (classifier, _) = try Self.fitted(seed: 32)
        let data = try JSONEncoder().encode(classifier)
        func edited(_ change: (inout [String: Any]) -> Void) throws -> Data {
            var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            change(&object)
            return try JSONSerialization.data(withJSONObject: object)
        }
        let decoder = JSONDecoder()
        // One text weight short.
        #expect(throws: DecodingError.self) {
            try decoder.decode(DefectClassifier.self, from: try edited { object in
                var text = object["textWeights"] as? [String: Any] ?? [:]
                text["rows"] = (text["rows"] as? [Any])?.dropLast().map { $0 }
                object["textWeights"] = text
            })
        }
        // Says linear probe but has none.
        #expect(throws: DecodingError.self) {
            try decoder.decode(DefectClassifier.self, from: try edited { $0["linearProbe"] = nil })
        }
        // A row of the wrong width.
        #expect(throws: DecodingError.self) {
            try decoder.decode(DefectClassifier.self, from: try edited { object in
                var text = object["textWeights"] as? [String: Any] ?? [:]
                text["width"] = 31
                object["textWeights"] = text
            })
        }
        // Duplicate class names.
        #expect(throws: DecodingError.self) {
            try decoder.decode(DefectClassifier.self, from: try edited { object in
                object["classes"] = [["name": "a", "description": ""], ["name": "a", "description": ""],
                                     ["name": "b", "description": ""]]
            })
        }
        let defaults = try decoder.decode(DefectClassifier.self, from: try edited { object in
            object["coverage"] = nil
            object["confidenceFloor"] = nil
            object["logitScale"] = nil
        })
        #expect(defaults.coverage == 0.9)
        #expect(defaults.confidenceFloor == 0.5)
        #expect(defaults.logitScale == 100)
    }
}
