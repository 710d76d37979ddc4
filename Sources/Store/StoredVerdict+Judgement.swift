import Foundation
import Inspection

extension StoredVerdict {
    /// The row for a station's judgement of one image, made by `modelVersion`
    /// (`versionID` = `model_versions.id`). A map that cannot be encoded is left out rather
    /// than losing the verdict.
    public init(judgement j: StationJudgement, scoreMode: String, modelVersion: String, versionID: Int64?) {
        let r = j.result
        let geometry = (try? String(decoding: JSONEncoder().encode(r.geometry), as: UTF8.self)) ?? "{}"
        self.init(verdict: j.verdict, score: j.score, imageProbability: Double(r.scores.imageProbabilities.anomalous),
                  mapMaximum: Double(r.scores.mapMaximum), reviewThreshold: j.thresholds.review,
                  failThreshold: j.thresholds.fail, scoreMode: scoreMode, modelVersion: modelVersion,
                  timings: r.timings, originalWidth: r.geometry.originalWidth, originalHeight: r.geometry.originalHeight,
                  geometryJSON: geometry, map: try? EncodedMap(j.map))
        self.versionID = versionID
        fusedScore = j.fusedScore
        defectClass = j.defect?.className
        defectProbability = j.defect?.probability
        defectSet = j.defect?.predictionSet
    }
}
