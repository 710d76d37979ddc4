/// A loaded CLIP model: both towers, immutable and shareable across threads. Encoders are
/// cheap views configured per input size / tap list.
public struct CLIPModel: Sendable {
    /// Shapes inferred from the checkpoint.
    public let architecture: CLIPArchitecture
    /// Image tower weights.
    public let vision: VisionTower
    /// Text tower weights.
    public let text: TextTower
    /// `logit_scale` in log space, when the checkpoint has it.
    public let logitScale: Float?
    /// Naming the checkpoint used.
    public let naming: CheckpointNaming
    /// File the weights came from.
    public let path: String

    /// Loads a safetensors checkpoint in either naming (see `CheckpointLoader`).
    public static func load(path: String, options: CheckpointLoader.Options = .init()) throws -> CLIPModel {
        try CheckpointLoader.load(path: path, options: options)
    }

    /// An image encoder for square `inputSize` input.
    public func imageEncoder(inputSize: Int, taps: [Int] = [], dualPath: DualPathSetting? = nil) throws -> ImageEncoder {
        try ImageEncoder(tower: vision, inputHeight: inputSize, inputWidth: inputSize, taps: taps, dualPath: dualPath)
    }

    /// The text encoder.
    public var textEncoder: TextEncoder { TextEncoder(tower: text) }
}
