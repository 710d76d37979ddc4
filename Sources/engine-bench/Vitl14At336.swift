import Engine

/// `engine-bench vitl14_336`: ViT-L/14@336 at 336, DPAM from block 6, taps 6/12/18/24.
enum Vitl14At336: EncoderCaseProvider {
    static let abstract = "ViT-L/14@336 at 336, DPAM from block 6, taps 6/12/18/24."
    static let bench = EncoderCase(name: "vitl14_336", architecture: .vitL14at336, inputSize: 336, taps: [6, 12, 18, 24],
                                   dpamFirstBlock: 6)
}
