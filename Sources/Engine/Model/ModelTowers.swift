import Foundation

/// The weights behind a `CLIPModel`: resident towers, and for a lean model
/// (`TowerResidency.visionOnly`) the mapped checkpoint they are converted from on demand.
/// Shared by every copy of the model (a class), so releasing the text tower frees it for all.
final class ModelTowers: @unchecked Sendable {
    /// What a tower is rebuilt from: the mapped file (kept open, so a checkpoint replaced on disk
    /// by a rename cannot mix two files' weights) and the architecture inferred at load.
    struct Source {
        let loader: CheckpointLoader
        let architecture: CLIPArchitecture
    }

    private let lock = NSLock()
    private var vision: VisionTower?
    private var text: TextTower?
    private let source: Source?
    private var visionNames: Set<String>?
    private var textNames: Set<String>?
    /// Times the text tower was converted from the checkpoint after load.
    private(set) var textConversions = 0
    /// Text vectors already computed on these weights, by caller key, oldest first.
    private var textVectors: [(key: String, vectors: [[Float]])] = []
    /// How many text sides are remembered (each is a few KB).
    static let rememberedTextSides = 32

    init(vision: VisionTower?, text: TextTower?, source: Source?) {
        self.vision = vision
        self.text = text
        self.source = source
    }

    /// Whether each tower is in memory right now, and how often the text tower was converted.
    var resident: (vision: Bool, text: Bool, textConversions: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (vision != nil, text != nil, textConversions)
    }

    /// The image tower, converted on first use and kept.
    func visionTower() throws -> VisionTower {
        lock.lock()
        defer { lock.unlock() }
        if let vision { return vision }
        guard let source else { throw Self.released("vision") }
        var loader = source.loader
        let built = try loader.buildVision(source.architecture)
        visionNames = loader.used
        try checkComplete(source)
        vision = built
        return built
    }

    /// The resident text tower, or a fresh conversion the caller drops when done with it.
    func textTower() throws -> TextTower {
        lock.lock()
        defer { lock.unlock() }
        if let text { return text }
        guard let source else { throw Self.released("text") }
        var loader = source.loader
        let built = try loader.buildText(source.architecture)
        textConversions += 1
        textNames = loader.used
        try checkComplete(source)
        return built
    }

    /// Drops the resident text tower; later uses convert it again from the checkpoint (a model
    /// loaded with both towers has no checkpoint kept, so later uses fail with a clear error).
    func releaseText() {
        lock.lock()
        defer { lock.unlock() }
        text = nil
    }

    /// Text vectors remembered under `key`, if any.
    func rememberedTextVectors(_ key: String) -> [[Float]]? {
        lock.lock()
        defer { lock.unlock() }
        return textVectors.first { $0.key == key }?.vectors
    }

    /// Remembers `vectors` under `key`, forgetting the oldest beyond `rememberedTextSides`.
    func remember(_ vectors: [[Float]], key: String) {
        lock.lock()
        defer { lock.unlock() }
        textVectors.removeAll { $0.key == key }
        textVectors.append((key, vectors))
        if textVectors.count > Self.rememberedTextSides { textVectors.removeFirst(textVectors.count - Self.rememberedTextSides) }
    }

    /// Once both towers have been built, every tensor in the file must have been used.
    private func checkComplete(_ source: Source) throws {
        guard let visionNames, let textNames else { return }
        try source.loader.checkAllUsed(alsoUsed: visionNames.union(textNames))
    }

    private static func released(_ tower: String) -> EngineError {
        .invalidArgument(name: "\(tower) tower", reason: "was released and the model keeps no checkpoint to reload it from")
    }
}
