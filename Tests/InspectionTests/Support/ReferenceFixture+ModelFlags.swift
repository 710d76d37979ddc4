extension ReferenceFixture {
    /// `inspectctl` model flags for the fixture model, with sizes and layers read from the
    /// manifest, so the CLI tests follow INSPECTD_FIXTURES to a fixture set of other sizes.
    func inspectctlModelFlags() throws -> [String] {
        ["--model", path("model-openclip.safetensors"), "--prompts", path("prompts.safetensors"),
         "--input-size", "\(try int("image_size"))",
         "--feature-layers", (try ints("features_list")).map(String.init).joined(separator: ",")]
    }
}
