import Inspection
import Foundation
import GRDB

/// One row of `maps`: the anomaly map PNG of a done inspection, kept apart so scans of the
/// log never page through blobs.
struct MapRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "maps"

    var inspectionID: Int64
    var width: Int
    var height: Int
    var minimum: Double
    var maximum: Double
    var formatVersion: Int
    var png: Data

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case width, height, minimum, maximum, png
        case inspectionID = "inspection_id"
        case formatVersion = "format_version"
    }

    /// The map of inspection `id`, in this inspectd's format.
    init(inspectionID: Int64, map: EncodedMap) {
        self.inspectionID = inspectionID
        width = map.width
        height = map.height
        minimum = Double(map.minimum)
        maximum = Double(map.maximum)
        formatVersion = EncodedMap.formatVersion
        png = Data(map.png)
    }

    /// The caller's view; a map written in another format is reported, not misread.
    func map(path databasePath: String) throws -> EncodedMap {
        guard formatVersion == EncodedMap.formatVersion else {
            throw StoreError.corrupt(
                path: databasePath,
                reason: "map of inspection \(inspectionID) has format version \(formatVersion); this inspectd reads \(EncodedMap.formatVersion)")
        }
        return EncodedMap(width: width, height: height, minimum: Float(minimum), maximum: Float(maximum), png: [UInt8](png))
    }
}
