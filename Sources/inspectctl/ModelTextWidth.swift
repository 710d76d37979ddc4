import Config
import Engine

/// The text width of the configured model, which learned prompts must match. Read from the
/// checkpoint's header (the token embedding's columns, the same value the loader uses)
/// without loading a ViT-L's weights; anything unusual falls back to the full loader, whose
/// errors name the file and tensor.
enum ModelTextWidth {
    static let tokenEmbeddingNames = ["token_embedding.weight", "text_model.embeddings.token_embedding.weight"]

    static func of(_ model: ModelSettings) throws -> Int {
        if let file = try? SafeTensorsFile(path: model.path) {
            for name in tokenEmbeddingNames {
                if let shape = file.tensors[name]?.shape, shape.count == 2, shape[1] > 0 { return shape[1] }
            }
        }
        return try CLIPModel.load(path: model.path, options: .init(configPath: model.configPath)).architecture.textWidth
    }
}
