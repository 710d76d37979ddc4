import Engine
import Foundation

extension DefectClassifier {
    /// The sentences embedded for one class. The operator's description carries the specific
    /// visual knowledge, so it enters twice (verbatim and as "a photo of ..."); two generic
    /// templates around the class name add CLIP's usual photo-caption phrasing. Underscores and
    /// hyphens in configuration names become spaces, and "an" precedes a vowel, as a caption
    /// would read. Each sentence is embedded and normalised, the unit vectors are averaged and
    /// the mean normalised again, as `PromptEnsemble` does.
    public static func prompts(for defect: DefectClass) -> [String] {
        let name = defect.name
            .replacingOccurrences(of: "_", with: " ")
            .replacingOccurrences(of: "-", with: " ")
            .trimmingCharacters(in: .whitespaces)
        let article = name.lowercased().first.map { "aeiou".contains($0) } == true ? "an" : "a"
        let description = defect.description.trimmingCharacters(in: .whitespacesAndNewlines)
        var sentences = ["a photo of \(article) \(name) defect.", "a close-up photo of \(article) \(name) defect."]
        if !description.isEmpty {
            let trimmed = description.hasSuffix(".") ? String(description.dropLast()) : description
            sentences = [description, "a photo of \(trimmed)."] + sentences
        }
        return sentences
    }

    /// A zero-shot classifier whose class weights are the text tower's embeddings of
    /// `prompts(for:)`; engine failures surface as `InspectionError.engine`.
    public static func zeroShot(classes: [DefectClass], tokenizer: CLIPTokenizer,
                                encoder: TextEncoder) throws -> DefectClassifier {
        try validate(classes: classes)
        let sentences = classes.map(prompts(for:))
        let tokens = tokenizer.tokenize(sentences.flatMap { $0 }, contextLength: encoder.tower.contextLength)
        let embeddings: [[Float]]
        do {
            embeddings = try encoder.encode(tokens: tokens)
        } catch let error as EngineError {
            throw InspectionError.engine(error)
        }
        let width = encoder.tower.embedDim
        var start = 0
        let weights = sentences.map { group -> [Float] in
            var mean = [Float](repeating: 0, count: width)
            for embedding in embeddings[start ..< start + group.count] {
                let unit = VectorMath.normalized(embedding)
                for i in mean.indices where i < unit.count { mean[i] += unit[i] }
            }
            start += group.count
            return VectorMath.normalized(mean.map { $0 / Float(group.count) })
        }
        return try DefectClassifier(classes: classes, textEmbeddings: weights)
    }
}

extension DefectClassifier {
    /// Replaces the zero-shot class vectors by their InMaP-style refinement on unlabelled
    /// defect features (see `ZeroShotRefinement`) and returns true; with too few images it
    /// changes nothing and returns false (plain zero-shot). A fitted head is dropped, since it
    /// was fitted against the old vectors: refine first, then `fit`.
    @discardableResult
    public mutating func refineZeroShot(unlabelled features: [[Float]],
                                        using refinement: ZeroShotRefinement = ZeroShotRefinement()) throws -> Bool {
        let images = try Rows.normalised(features, width: embeddingDimension, item: "unlabelled")
        guard let refined = refinement.refine(text: text, images: images) else { return false }
        text = refined
        head = .zeroShot
        calibration = nil
        leaveOneOutAccuracy = [:]
        return true
    }
}
