import Engine
import Foundation

/// Names the defect *type* of an image from its CLIP image embedding, because QA needs to know
/// what is wrong, not only that something is. The classes come from configuration; with no
/// labelled images the classifier is zero-shot (class weights are the description's text
/// embeddings), and `fit` adds class prototypes, a linear probe and a cache model when labelled
/// defects exist, keeping whichever of the four is most accurate under leave-one-out. Predictions carry a
/// split-conformal set so a reviewer knows when the type is ambiguous.
///
/// Logits are `logitScale · cos` as in CLIP (100 by default; set `exp(model.logitScale)` or a
/// softer temperature before `fit`, since the probe, the cache and the calibration are fitted at
/// that scale).
public struct DefectClassifier: Sendable, Codable, Equatable {
    /// `className` of predictions whose top probability is below `confidenceFloor`; reserved, so
    /// no configured class may use it.
    public static let unknownClassName = "unknown"

    /// Configured classes, in the order of `probabilities(_:)`. (`internal(set)` rather than
    /// `private(set)` only because the extensions in the sibling files assign it.)
    public internal(set) var classes: [DefectClass]
    /// Probability the top class needs to be reported by name rather than as "unknown".
    public var confidenceFloor: Double = 0.5
    /// Target probability that the prediction set holds the true class.
    public var coverage: Double = 0.9
    /// Multiplier of cosines (the inverse temperature); CLIP's trained value is 100.
    public var logitScale: Double = 100
    /// Leave-one-out accuracy of every method at the last `fit` with labels; empty before.
    public internal(set) var leaveOneOutAccuracy: [ClassifierMethod: Double] = [:]

    /// Unit text weight per class, `[C, E]`.
    var text: Rows
    /// The active scoring method and its fitted state.
    var head: Head = .zeroShot
    /// Held-out nonconformity scores of the active method; nil until `fit` sees labels.
    var calibration: ConformalCalibration?

    /// The active method with its fitted parameters, so a method can never lack its state.
    enum Head: Sendable, Equatable {
        case zeroShot
        case prototype(Prototypes)
        case linearProbe(LinearProbe)
        case cache(CacheModel)

        var method: ClassifierMethod {
            switch self {
            case .zeroShot: return .zeroShot
            case .prototype: return .prototype
            case .linearProbe: return .linearProbe
            case .cache: return .cache
            }
        }
    }

    /// Method used by `predict` (chosen by `fit`).
    public var method: ClassifierMethod { head.method }

    /// E, the dimension every feature must have.
    public var embeddingDimension: Int { text.width }
    /// Unit-length zero-shot weight of each class, in `classes` order.
    public var textWeights: [[Float]] { text.arrays }
    /// Conformal threshold on `1 - p` at the current `coverage`; nil before calibration,
    /// infinite when too few samples were labelled to promise the coverage with fewer than all
    /// classes.
    public var conformalThreshold: Double? { calibration?.threshold(coverage: coverage) }

    /// A zero-shot classifier from precomputed text embeddings (one per class, any length, all of
    /// the same dimension E), normalised here.
    public init(classes: [DefectClass], textEmbeddings: [[Float]]) throws {
        try Self.validate(classes: classes)
        guard textEmbeddings.count == classes.count else {
            throw InspectionError.invalidLabel(
                item: "textEmbeddings",
                reason: "\(textEmbeddings.count) embeddings for \(classes.count) classes; need one per class")
        }
        let width = textEmbeddings.first?.count ?? 0
        guard width > 0 else {
            throw InspectionError.invalidLabel(item: "textEmbeddings[0]", reason: "is empty")
        }
        self.classes = classes
        self.text = try Rows.normalised(textEmbeddings, width: width, item: "textEmbeddings")
    }

    /// Class probabilities of one unit (or unnormalised) image embedding, in `classes` order.
    public func probabilities(_ feature: [Float]) throws -> [Double] {
        try probabilities([feature]).first ?? []
    }

    /// Class probabilities of many embeddings at once (one BLAS product per method).
    public func probabilities(_ features: [[Float]]) throws -> [[Double]] {
        try validateSettings()
        let queries = try Rows.normalised(features, width: embeddingDimension, item: "features")
        return logits(queries).map(Scores.softmax)
    }

    /// Type, probabilities and conformal set of one image embedding.
    public func predict(_ feature: [Float]) throws -> DefectPrediction {
        guard let prediction = try predict([feature]).first else {
            throw InspectionError.invalidLabel(item: "feature", reason: "produced no prediction")
        }
        return prediction
    }

    /// `predict` for many embeddings.
    public func predict(_ features: [[Float]]) throws -> [DefectPrediction] {
        try probabilities(features).map { p in
            let top = Scores.argmax(p)
            let setIndices = calibration?.set(probabilities: p, coverage: coverage) ?? [top]
            var byName = [String: Double]()
            for (index, defect) in classes.enumerated() { byName[defect.name] = p[index] }
            return DefectPrediction(
                className: p[top] >= confidenceFloor ? classes[top].name : Self.unknownClassName,
                probability: p[top],
                probabilities: byName,
                predictionSet: setIndices.map { classes[$0].name })
        }
    }

    /// `[q, C]` logits of the active method for unit query rows.
    func logits(_ queries: Rows) -> [[Double]] {
        let c = classes.count
        let cosines = queries.products(with: text)
        let zeroShot = (0 ..< queries.count).map { q in (0 ..< c).map { logitScale * Double(cosines[q * c + $0]) } }
        switch head {
        case .zeroShot:
            return zeroShot
        case let .prototype(prototypes):
            return prototypes.logits(queries, scale: logitScale)
        case let .linearProbe(probe):
            return probe.logits(queries, scale: logitScale)
        case let .cache(cache):
            let votes = cache.cacheLogits(queries, classCount: c)
            return zip(zeroShot, votes).map { zip($0, $1).map(+) }
        }
    }

    /// Rejects settings that would make probabilities or sets meaningless (checked on use,
    /// because they are plain properties a configuration may set to anything).
    func validateSettings() throws {
        guard confidenceFloor.isFinite, confidenceFloor >= 0, confidenceFloor <= 1 else {
            throw InspectionError.invalidSetting(
                name: "confidence_floor", value: "\(confidenceFloor)", reason: "must be between 0 and 1")
        }
        guard coverage.isFinite, coverage > 0, coverage < 1 else {
            throw InspectionError.invalidSetting(
                name: "coverage", value: "\(coverage)", reason: "must be strictly between 0 and 1")
        }
        guard logitScale.isFinite, logitScale > 0, logitScale <= 1000 else {
            throw InspectionError.invalidSetting(
                name: "logit_scale", value: "\(logitScale)", reason: "must be in (0, 1000]")
        }
    }

    /// Classes need distinct, non-empty names other than "unknown", or predictions would be
    /// ambiguous.
    static func validate(classes: [DefectClass]) throws {
        guard !classes.isEmpty else {
            throw InspectionError.invalidSetting(name: "classes", value: "[]", reason: "at least one defect class is needed")
        }
        var seen = Set<String>()
        for (index, defect) in classes.enumerated() {
            guard !defect.name.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw InspectionError.invalidSetting(
                    name: "classes[\(index)].name", value: "\"\(defect.name)\"", reason: "a class needs a name")
            }
            guard defect.name != unknownClassName else {
                throw InspectionError.invalidSetting(
                    name: "classes[\(index)].name", value: defect.name,
                    reason: "\"\(unknownClassName)\" is reserved for predictions below the confidence floor")
            }
            guard seen.insert(defect.name).inserted else {
                throw InspectionError.invalidSetting(
                    name: "classes[\(index)].name", value: defect.name, reason: "duplicate class name")
            }
        }
    }
}
