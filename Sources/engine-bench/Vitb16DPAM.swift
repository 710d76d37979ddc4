import Engine

/// `engine-bench vitb16_dpam`: ViT-B/16 at 224, DPAM from block 4, taps 3/6/9/12.
enum Vitb16DPAM: EncoderCaseProvider {
    static let abstract = "ViT-B/16 at 224, DPAM from block 4, taps 3/6/9/12."
    static let bench = EncoderCase(name: "vitb16_dpam", architecture: .vitB16, inputSize: 224, taps: [3, 6, 9, 12],
                                   dpamFirstBlock: 4)
}
