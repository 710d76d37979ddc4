import Engine
import Inspection

extension ReferenceFixture {
    /// `inspectctl` model flags for the fixture model, with sizes and layers read from the
    /// manifest, so the CLI tests follow INSPECTD_FIXTURES to a fixture set of other sizes.
    func inspectctlModelFlags() throws -> [String] {
        ["--model", path("model-openclip.safetensors"), "--prompts", path("prompts.safetensors"),
         "--input-size", "\(try int("image_size"))",
         "--feature-layers", (try ints("features_list")).map(String.init).joined(separator: ",")]
    }

    /// The inspector settings of the fixture model (prompts, size, layers, DPAM from the
    /// manifest), for tests that score images with it.
    func inspectorConfiguration() throws -> InspectorConfiguration {
        var config = InspectorConfiguration(modelPath: path("model-openclip.safetensors"))
        config.promptsPath = path("prompts.safetensors")
        config.inputSize = try int("image_size")
        config.featureLayers = try ints("features_list")
        config.dpamFirstBlock = DualPathSetting.anomalyCLIP(dpamLayer: try int("dpam_layer"),
                                                            layers: try int("vision_layers")).firstBlock
        return config
    }
}
