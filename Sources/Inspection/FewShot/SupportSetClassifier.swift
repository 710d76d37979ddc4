import Engine
import Foundation

/// The defect classifier fitted on a support set (labelled images per class) instead of a
/// station's label log: `inspectctl classify` and the per-method comparison of `inspectctl eval`
/// share it, so both see the same feature and the same methods as the daemon's classifier.
public struct SupportSetClassifier: Sendable {
    /// Encoder of support and query images.
    public let inspector: Inspector
    /// The fitted classifier.
    public let classifier: DefectClassifier
    /// Normal-patch memory used to find the defect region; nil = the zero-shot map decides.
    public let memory: NormalMemoryBank?

    /// The zero-shot classifier for `classes` (text side only), with the floor and coverage of
    /// `settings`; computed once and refitted per method or per run.
    public static func zeroShot(inspector: Inspector, classes: [DefectClass], confidenceFloor: Double,
                                coverage: Double) throws -> DefectClassifier {
        var classifier = try DefectClassifier.zeroShot(classes: classes, tokenizer: try FewShotModel.tokenizer(),
                                                       encoder: inspector.model.textEncoder)
        classifier.confidenceFloor = confidenceFloor
        classifier.coverage = coverage
        return classifier
    }

    /// Fits `base` (normally from `zeroShot`) on the encoded support images, choosing among
    /// `methods` by leave-one-out.
    public init(inspector: Inspector, base: DefectClassifier, support: [(result: InspectionResult, className: String)],
                methods: [ClassifierMethod] = ClassifierMethod.allCases, memory: NormalMemoryBank? = nil) throws {
        var classifier = base
        let features = try support.map { try FewShotModel.defectFeature($0.result, bank: memory, inspector: inspector) }
        try classifier.fit(features: features, labels: support.map(\.className), methods: methods)
        self.inspector = inspector
        self.classifier = classifier
        self.memory = memory
    }

    /// The classifier's input for one encoded image.
    public func feature(_ result: InspectionResult) throws -> [Float] {
        try FewShotModel.defectFeature(result, bank: memory, inspector: inspector)
    }

    /// Type, probabilities and conformal set of one encoded image.
    public func predict(_ result: InspectionResult) throws -> DefectPrediction {
        try classifier.predict(try feature(result))
    }
}
