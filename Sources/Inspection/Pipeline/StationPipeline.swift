/// One image through a station: inspect → few-shot fusion → verdict. The daemon,
/// `inspectctl inspect` and `inspectctl eval` all go through here, so the verdict a QA
/// engineer sees on the command line is the one the line gets.
public struct StationPipeline: Sendable {
    /// Decoder, preprocessing, model and the station's text side.
    public let inspector: Inspector
    /// Memory bank, classifier and calibrated thresholds; nil = zero-shot only.
    public let fewShot: FewShotModel?

    public init(inspector: Inspector, fewShot: FewShotModel? = nil) {
        self.inspector = inspector
        self.fewShot = fewShot
    }

    /// Decodes and scores `file`, then judges the result.
    public func run(file: String) throws -> StationJudgement {
        try judge(try inspector.inspect(file: file))
    }

    /// Decodes and scores bytes already read (and hashed) by the caller.
    public func run(data: [UInt8], name: String) throws -> StationJudgement {
        try judge(try inspector.inspect(data: data, name: name))
    }

    /// Judges an already encoded result (evaluation caches encodings across runs).
    public func judge(_ result: InspectionResult) throws -> StationJudgement {
        guard let fewShot else {
            return StationJudgement(result: result, verdict: result.verdict, score: result.score,
                                    thresholds: inspector.configuration.thresholds, map: result.map,
                                    fusedScore: nil, defect: nil)
        }
        let outcome = try fewShot.apply(to: result, inspector: inspector)
        return StationJudgement(result: result, verdict: outcome.verdict, score: outcome.score,
                                thresholds: outcome.thresholds, map: outcome.map,
                                fusedScore: fewShot.memory != nil ? outcome.score : nil, defect: outcome.defect)
    }

    /// The defect type of a result, when the station has a classifier.
    public func classify(_ result: InspectionResult) throws -> DefectPrediction? {
        try fewShot?.classify(result, inspector: inspector)
    }
}
