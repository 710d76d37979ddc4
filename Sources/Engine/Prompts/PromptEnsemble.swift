import Foundation

/// The hand-crafted prompt ensemble of AnomalyCLIP's `prompt_ensemble.py` (WinCLIP style):
/// state phrases × photo templates for a product name, each sentence embedded and L2-normalised,
/// averaged per class and normalised again. Used when no learned prompts are configured.
public enum PromptEnsemble {
    /// Normal-state phrases; `{}` is the product name.
    public static let normalStates = ["{}", "flawless {}", "perfect {}", "unblemished {}", "{} without flaw",
                                      "{} without defect", "{} without damage"]
    /// Anomalous-state phrases.
    public static let anomalousStates = ["damaged {}", "broken {}", "{} with flaw", "{} with defect",
                                         "{} with damage"]
    /// Photo templates; `{}` is a state phrase.
    public static let templates = [
        "a bad photo of a {}.", "a low resolution photo of the {}.", "a bad photo of the {}.",
        "a cropped photo of the {}.", "a bright photo of a {}.", "a dark photo of the {}.", "a photo of my {}.",
        "a photo of the cool {}.", "a close-up photo of a {}.", "a black and white photo of the {}.",
        "a bright photo of the {}.", "a cropped photo of a {}.", "a jpeg corrupted photo of a {}.",
        "a blurry photo of the {}.", "a photo of the {}.", "a good photo of the {}.", "a photo of one {}.",
        "a close-up photo of the {}.", "a photo of a {}.", "a low resolution photo of a {}.",
        "a photo of a large {}.", "a blurry photo of a {}.", "a jpeg corrupted photo of the {}.",
        "a good photo of a {}.", "a photo of the small {}.", "a photo of the large {}.",
        "a black and white photo of a {}.", "a dark photo of a {}.", "a photo of a cool {}.",
        "a photo of a small {}.", "there is a {} in the scene.", "there is the {} in the scene.",
        "this is a {} in the scene.", "this is the {} in the scene.", "this is one {} in the scene.",
    ]

    /// Every sentence of one class, states outer and templates inner, as upstream orders them.
    public static func sentences(states: [String], product: String) -> [String] {
        states.flatMap { state -> [String] in
            let phrase = state.replacingOccurrences(of: "{}", with: product)
            return templates.map { $0.replacingOccurrences(of: "{}", with: phrase) }
        }
    }

    /// Unit text vectors [2][E]: row 0 normal, row 1 anomalous. Both classes go through the
    /// text tower in one call, so sentences of one template share their beginning's rows.
    public static func textFeatures(product: String, tokenizer: CLIPTokenizer, encoder: TextEncoder) throws -> [[Float]] {
        let context = encoder.tower.contextLength
        let classes = [normalStates, anomalousStates].map { sentences(states: $0, product: product) }
        let embeddings = try encoder.encode(tokens: tokenizer.tokenize(classes.flatMap { $0 }, contextLength: context))
        var start = 0
        return classes.map { sentences in
            let rows = embeddings[start..<(start + sentences.count)]
            start += sentences.count
            var mean = [Float](repeating: 0, count: encoder.tower.embedDim)
            for e in rows {
                let unit = VectorMath.normalized(e)
                for i in mean.indices { mean[i] += unit[i] }
            }
            for i in mean.indices { mean[i] /= Float(rows.count) }
            return VectorMath.normalized(mean)
        }
    }
}
