import Inspection
import Foundation

/// What a station's few-shot state rests on: thresholds calibrated from labels (nil when there
/// were too few — `note` says why), the label counts, and the classifier method in use.
public struct StationCalibration: Sendable, Codable, Equatable {
    /// Station name.
    public var station: String
    /// Calibrated review threshold, if any.
    public var review: Double?
    /// Calibrated fail threshold, if any.
    public var fail: Double?
    /// Calibration method ("f1", "conformal-good-only", "f1+conformal").
    public var method: String?
    /// Good labels used.
    public var goodCount: Int
    /// Defect labels used.
    public var defectCount: Int
    /// Defect classifier method, if a classifier is configured.
    public var classifier: String?
    /// Human-readable summary.
    public var note: String
    /// When the daemon built it (unix seconds).
    public var updatedAt: Double

    /// A record.
    public init(station: String, review: Double?, fail: Double?, method: String?, goodCount: Int, defectCount: Int,
                classifier: String?, note: String, updatedAt: Double) {
        self.station = station
        self.review = review
        self.fail = fail
        self.method = method
        self.goodCount = goodCount
        self.defectCount = defectCount
        self.classifier = classifier
        self.note = note
        self.updatedAt = updatedAt
    }
}

extension VerdictStore {
    /// Replaces a station's calibration record.
    public func updateCalibration(_ c: StationCalibration) throws {
        try write { db in try StationCalibrationRow(c).insert(db, onConflict: .replace) }
    }

    /// Every station's calibration record, by station name.
    public func calibrations() throws -> [StationCalibration] {
        try read { db in
            try StationCalibrationRow.order(StationCalibrationRow.CodingKeys.station).fetchAll(db).map(\.calibration)
        }
    }
}
