import Engine

/// The fixture's two checkpoints loaded once per test process (loading converts ~100k fp16
/// values per tensor; doing it per test would dominate the suite's run time).
final class FixtureModels: @unchecked Sendable {
    let fixtures: FixtureSet
    let openCLIP: CLIPModel
    let huggingFace: CLIPModel

    static let shared: Result<FixtureModels, Error> = Result {
        let fx = try FixtureSet.load()
        return FixtureModels(
            fixtures: fx,
            openCLIP: try CLIPModel.load(path: fx.path("model-openclip.safetensors")),
            huggingFace: try CLIPModel.load(path: fx.path("model-hf.safetensors")))
    }

    static func load() throws -> FixtureModels { try shared.get() }

    private init(fixtures: FixtureSet, openCLIP: CLIPModel, huggingFace: CLIPModel) {
        self.fixtures = fixtures
        self.openCLIP = openCLIP
        self.huggingFace = huggingFace
    }
}
