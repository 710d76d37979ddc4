import Engine
import Foundation
import Testing
@testable import Inspection

@Suite("Defect classifier: real tokenizer and fixture text tower")
struct DefectClassifierTextTowerTests {
    /// The repository root: the first ancestor of this file holding Package.swift.
    static func repositoryRoot() throws -> URL {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                return directory
            }
            directory.deleteLastPathComponent()
        }
        throw InspectionError.invalidSetting(name: "#filePath", value: #filePath, reason: "no Package.swift above it")
    }

    @Test("zeroShot builds one unit weight per class from the fixture tower")
    func zeroShotFromFixture() throws {
        let path = try Self.repositoryRoot()
            .appendingPathComponent("Tests/EngineTests/Fixtures/model-openclip.safetensors").path
        let model = try CLIPModel.load(path: path)
        let tokenizer = try CLIPTokenizer()
        let classes = [
            DefectClass(name: "scratch", description: "a thin bright line scratched into the metal surface"),
            DefectClass(name: "dent", description: "a shallow round depression in the sheet metal"),
            DefectClass(name: "stain", description: "a dark irregular discoloured patch"),
        ]
        let classifier = try DefectClassifier.zeroShot(classes: classes, tokenizer: tokenizer, encoder: model.textEncoder)
        #expect(classifier.classes == classes)
        #expect(classifier.method == .zeroShot)
        #expect(try classifier.embeddingDimension == model.text.embedDim)
        #expect(classifier.textWeights.count == classes.count)
        for weight in classifier.textWeights {
            #expect(try weight.count == model.text.embedDim)
            let norm = weight.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-5)
        }
        // Distinct descriptions give distinct weights.
        #expect(classifier.textWeights[0] != classifier.textWeights[1])

        // The weights are the normalised mean of the normalised prompt embeddings.
        let encoder = try model.textEncoder
        let sentences = DefectClassifier.prompts(for: classes[1])
        let embeddings = try encoder.encode(tokens: tokenizer.tokenize(sentences, contextLength: encoder.tower.contextLength))
        var mean = [Float](repeating: 0, count: try model.text.embedDim)
        for e in embeddings {
            let unit = VectorMath.normalized(e)
            for i in mean.indices { mean[i] += unit[i] }
        }
        let expected = VectorMath.normalized(mean)
        for (a, b) in zip(classifier.textWeights[1], expected) { #expect(abs(a - b) < 1e-5) }

        var data = ClassifierSyntheticData(dimension: try model.text.embedDim, classCount: 1, seed: 3)
        let prediction = try classifier.predict(data.randomUnit())
        #expect(prediction.probabilities.count == 3)
    }
}
