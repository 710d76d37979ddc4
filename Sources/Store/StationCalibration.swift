import Inspection
import Foundation
import GRDB

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
        try write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO station_calibration
                        (station, review, fail, method, good_count, defect_count, classifier, note, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [c.station, c.review.flatMap { $0.isFinite ? $0 : nil }, c.fail.flatMap { $0.isFinite ? $0 : nil },
                            c.method, c.goodCount, c.defectCount, c.classifier, c.note, c.updatedAt])
        }
    }

    /// Every station's calibration record, by station name.
    public func calibrations() throws -> [StationCalibration] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT station, review, fail, method, good_count, defect_count, classifier, note, updated_at
                FROM station_calibration ORDER BY station
                """).map { row in
                StationCalibration(station: try row.decode(atIndex: 0), review: try row.decode(atIndex: 1),
                                   fail: try row.decode(atIndex: 2), method: try row.decode(atIndex: 3),
                                   goodCount: try row.decode(atIndex: 4), defectCount: try row.decode(atIndex: 5),
                                   classifier: try row.decode(atIndex: 6), note: try row.decode(atIndex: 7),
                                   updatedAt: try row.decode(atIndex: 8))
            }
        }
    }
}
