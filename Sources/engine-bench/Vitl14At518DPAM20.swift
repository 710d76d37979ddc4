import Engine

/// `engine-bench vitl14_336_at518_dpam20`: ViT-L/14@336 at 518, DPAM_layer 20 (blocks 6-24), taps 6/12/18/24: AnomalyCLIP's setting.
enum Vitl14At518DPAM20: EncoderCaseProvider {
    static let abstract = "ViT-L/14@336 at 518, DPAM_layer 20 (blocks 6-24), taps 6/12/18/24: AnomalyCLIP's setting."
    static let bench = EncoderCase(name: "vitl14_336_at518_dpam20", architecture: .vitL14at336, inputSize: 518, taps: [6, 12, 18, 24],
                                   dpamFirstBlock: 6)
}
