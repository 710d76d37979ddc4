import Inspection
import Foundation
import GRDB

extension InspectionRecord {
    /// Columns in the order ``init(row:)`` reads them.
    static let selection = """
        id, station, path, size, mtime, content_hash, state, attempts, discovered_at, started_at, finished_at, \
        verdict, score, image_probability, map_maximum, review_threshold, fail_threshold, score_mode, \
        model_version, decode_ms, preprocess_ms, encode_ms, score_ms, total_ms, original_width, \
        original_height, geometry_json, error_kind, error_message, fused_score, defect_class, \
        defect_probability, defect_set, version_id
        """

    /// Decodes a row selected with ``selection``; throws instead of trapping on a value the
    /// schema should have prevented (a hand-edited file, say).
    init(row: Row) throws {
        let id = try row.decode(Int64.self, atIndex: 0)
        let stateText = try row.decode(String.self, atIndex: 6)
        guard let state = InspectionState(rawValue: stateText) else {
            throw StoreCorruption(message: "inspection \(id) has unknown state '\(stateText)'")
        }
        var verdict: Verdict?
        if let verdictText = try row.decode(String?.self, atIndex: 11) {
            guard let known = Verdict(rawValue: verdictText) else {
                throw StoreCorruption(message: "inspection \(id) has unknown verdict '\(verdictText)'")
            }
            verdict = known
        }
        self.init(
            id: id,
            station: try row.decode(atIndex: 1),
            path: try row.decode(atIndex: 2),
            size: try row.decode(atIndex: 3),
            mtime: try row.decode(atIndex: 4),
            contentHash: try row.decode(atIndex: 5),
            state: state,
            attempts: try row.decode(atIndex: 7),
            discoveredAt: try row.decode(atIndex: 8),
            startedAt: try row.decode(atIndex: 9),
            finishedAt: try row.decode(atIndex: 10),
            verdict: verdict,
            score: try row.decode(atIndex: 12),
            imageProbability: try row.decode(atIndex: 13),
            mapMaximum: try row.decode(atIndex: 14),
            reviewThreshold: try row.decode(atIndex: 15),
            failThreshold: try row.decode(atIndex: 16),
            scoreMode: try row.decode(atIndex: 17),
            modelVersion: try row.decode(atIndex: 18),
            decodeMs: try row.decode(atIndex: 19),
            preprocessMs: try row.decode(atIndex: 20),
            encodeMs: try row.decode(atIndex: 21),
            scoreMs: try row.decode(atIndex: 22),
            totalMs: try row.decode(atIndex: 23),
            originalWidth: try row.decode(atIndex: 24),
            originalHeight: try row.decode(atIndex: 25),
            geometryJSON: try row.decode(atIndex: 26),
            errorKind: try row.decode(atIndex: 27),
            errorMessage: try row.decode(atIndex: 28))
        fusedScore = try row.decode(atIndex: 29)
        defectClass = try row.decode(atIndex: 30)
        defectProbability = try row.decode(atIndex: 31)
        if let set = try row.decode(String?.self, atIndex: 32) {
            defectSet = try? JSONDecoder().decode([String].self, from: Data(set.utf8))
        }
        versionID = try row.decode(atIndex: 33)
    }
}
