import Engine

/// `engine-bench vitb16`: ViT-B/16 at 224, plain CLIP.
enum Vitb16: EncoderCaseProvider {
    static let abstract = "ViT-B/16 at 224, plain CLIP."
    static let bench = EncoderCase(name: "vitb16", architecture: .vitB16, inputSize: 224, taps: [],
                                   dpamFirstBlock: nil)
}
