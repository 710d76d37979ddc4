import GRDB

/// One row of `fewshot_fits`, keyed by station; ``FewShotFit`` is what callers see.
struct FewShotFitRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "fewshot_fits"

    var station: String
    var fitKey: String
    var state: String
    var attempts: Int
    var startedAt: Double
    var finishedAt: Double?
    var doneImages: Int
    var totalLabels: Int
    var totalImages: Int
    var message: String?

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case station, state, attempts, message
        case fitKey = "fit_key"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case doneImages = "done_images"
        case totalLabels = "total_labels"
        case totalImages = "total_images"
    }

    init(_ fit: FewShotFit) {
        station = fit.station
        fitKey = fit.key
        state = fit.state.rawValue
        attempts = fit.attempts
        startedAt = fit.startedAt
        finishedAt = fit.finishedAt
        doneImages = fit.doneImages
        totalLabels = fit.totalLabels
        totalImages = fit.totalImages
        message = fit.message
    }

    /// The caller's view; a state the CHECK should have prevented is a corrupt row.
    func fit(path databasePath: String) throws -> FewShotFit {
        guard let s = FewShotFit.State(rawValue: state) else {
            throw StoreError.corrupt(path: databasePath, reason: "few-shot fit of station \(station) has unknown state '\(state)'")
        }
        return FewShotFit(station: station, key: fitKey, state: s, attempts: attempts, startedAt: startedAt,
                          finishedAt: finishedAt, doneImages: doneImages, totalLabels: totalLabels,
                          totalImages: totalImages, message: message)
    }
}
