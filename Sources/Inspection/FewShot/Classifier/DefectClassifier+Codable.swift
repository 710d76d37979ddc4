extension DefectClassifier {
    private enum CodingKeys: String, CodingKey {
        case classes, method, confidenceFloor, coverage, logitScale, leaveOneOutAccuracy
        case textWeights, prototypes, linearProbe, cache, calibration
    }

    /// Decodes a saved classifier and re-checks every shape, so a hand-edited or truncated file
    /// fails here with a message instead of producing nonsense (or a crash) at predict time.
    /// Settings missing from the file take their defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let classes = try container.decode([DefectClass].self, forKey: .classes)
        do {
            try Self.validate(classes: classes)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .classes, in: container, debugDescription: "\(error)")
        }
        let text = try container.decode(Rows.self, forKey: .textWeights)
        guard text.count == classes.count, text.width > 0 else {
            throw DecodingError.dataCorruptedError(
                forKey: .textWeights, in: container,
                debugDescription: "\(text.count) text weights of width \(text.width) for \(classes.count) classes")
        }
        let head: Head
        switch try container.decode(ClassifierMethod.self, forKey: .method) {
        case .zeroShot:
            head = .zeroShot
        case .prototype:
            let prototypes = try container.decode(Prototypes.self, forKey: .prototypes)
            guard prototypes.centroids.count == classes.count, prototypes.centroids.width == text.width else {
                throw DecodingError.dataCorruptedError(
                    forKey: .prototypes, in: container,
                    debugDescription: "\(prototypes.centroids.count) prototypes of width \(prototypes.centroids.width) "
                        + "for \(classes.count) classes of width \(text.width)")
            }
            head = .prototype(prototypes)
        case .linearProbe:
            let probe = try container.decode(LinearProbe.self, forKey: .linearProbe)
            guard probe.weights.count == classes.count, probe.weights.width == text.width else {
                throw DecodingError.dataCorruptedError(
                    forKey: .linearProbe, in: container, debugDescription: "probe weights do not match the classes")
            }
            head = .linearProbe(probe)
        case .cache:
            let cache = try container.decode(CacheModel.self, forKey: .cache)
            guard cache.keys.width == text.width, cache.keys.count == cache.labels.count,
                  cache.labels.allSatisfy({ classes.indices.contains($0) }),
                  cache.alpha.isFinite, cache.beta.isFinite, cache.beta >= 0 else {
                throw DecodingError.dataCorruptedError(
                    forKey: .cache, in: container, debugDescription: "cache keys or labels do not match the classes")
            }
            head = .cache(cache)
        }
        self.classes = classes
        self.text = text
        self.head = head
        self.calibration = try container.decodeIfPresent(ConformalCalibration.self, forKey: .calibration)
        self.leaveOneOutAccuracy =
            try container.decodeIfPresent([ClassifierMethod: Double].self, forKey: .leaveOneOutAccuracy) ?? [:]
        if let value = try container.decodeIfPresent(Double.self, forKey: .confidenceFloor) { confidenceFloor = value }
        if let value = try container.decodeIfPresent(Double.self, forKey: .coverage) { coverage = value }
        if let value = try container.decodeIfPresent(Double.self, forKey: .logitScale) { logitScale = value }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(classes, forKey: .classes)
        try container.encode(method, forKey: .method)
        try container.encode(confidenceFloor, forKey: .confidenceFloor)
        try container.encode(coverage, forKey: .coverage)
        try container.encode(logitScale, forKey: .logitScale)
        try container.encode(leaveOneOutAccuracy, forKey: .leaveOneOutAccuracy)
        try container.encode(text, forKey: .textWeights)
        switch head {
        case .zeroShot: break
        case let .prototype(prototypes): try container.encode(prototypes, forKey: .prototypes)
        case let .linearProbe(probe): try container.encode(probe, forKey: .linearProbe)
        case let .cache(cache): try container.encode(cache, forKey: .cache)
        }
        try container.encodeIfPresent(calibration, forKey: .calibration)
    }
}
