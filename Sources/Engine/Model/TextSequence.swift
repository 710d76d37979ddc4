/// One text-encoder input: token embeddings up to and including the pooled (EOT) position,
/// plus optional deep prompts. Because attention is causal, tokens after EOT cannot change
/// the pooled output, so sequences stop there — a 77-token prompt of 8 words costs 10 rows.
public struct TextSequence: Sendable {
    /// Token embeddings [length, W] before positions are added; the last row is pooled.
    public var embeddings: [Float]
    /// Number of rows in `embeddings`.
    public var length: Int
    /// AnomalyCLIP "compound" prompts: entry j (0-based) replaces rows 1...count at the input
    /// of block j+2 (1-based), i.e. text blocks 2…depth. Each is [rows, W].
    public var deepPrompts: [[Float]]

    /// A sequence of `length` rows; `embeddings.count` must be `length · W`.
    public init(embeddings: [Float], length: Int, deepPrompts: [[Float]] = []) {
        self.embeddings = embeddings
        self.length = length
        self.deepPrompts = deepPrompts
    }
}
