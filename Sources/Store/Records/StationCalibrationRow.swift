import Inspection
import GRDB

/// One row of `station_calibration`, keyed by station; ``StationCalibration`` is what callers see.
struct StationCalibrationRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "station_calibration"

    var station: String
    var review: Double?
    var fail: Double?
    var method: String?
    var goodCount: Int
    var defectCount: Int
    var classifier: String?
    var note: String
    var updatedAt: Double

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case station, review, fail, method, classifier, note
        case goodCount = "good_count"
        case defectCount = "defect_count"
        case updatedAt = "updated_at"
    }

    /// The row for `calibration`; non-finite thresholds are stored as NULL (none).
    init(_ calibration: StationCalibration) {
        station = calibration.station
        review = VerdictStore.finite(calibration.review)
        fail = VerdictStore.finite(calibration.fail)
        method = calibration.method
        goodCount = calibration.goodCount
        defectCount = calibration.defectCount
        classifier = calibration.classifier
        note = calibration.note
        updatedAt = calibration.updatedAt
    }

    /// The caller's view.
    var calibration: StationCalibration {
        StationCalibration(station: station, review: review, fail: fail, method: method, goodCount: goodCount,
                           defectCount: defectCount, classifier: classifier, note: note, updatedAt: updatedAt)
    }
}
