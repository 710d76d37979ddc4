import Inspection
import Foundation
import GRDB

/// One row of `labels`. ``Label`` (in Inspection, which knows nothing of SQLite) is what
/// callers see; the mask is a blob here and bytes there.
struct LabelRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "labels"

    var id: Int64?
    var inspectionID: Int64?
    var station: String?
    var path: String
    var contentHash: String
    var kind: String
    var defectClass: String?
    var note: String?
    var mask: Data?
    var author: String
    var createdAt: Double
    var supersededAt: Double?
    var source: String

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, station, path, kind, note, mask, author, source
        case inspectionID = "inspection_id"
        case contentHash = "content_hash"
        case defectClass = "defect_class"
        case createdAt = "created_at"
        case supersededAt = "superseded_at"
    }

    /// The row for `label` (its id is left to SQLite when 0).
    init(_ label: Label) {
        id = label.id == 0 ? nil : label.id
        inspectionID = label.inspectionID
        station = label.station
        path = label.path
        contentHash = label.contentHash
        kind = label.kind.rawValue
        defectClass = label.defectClass
        note = label.note
        mask = label.mask.map { Data($0) }
        author = label.author
        createdAt = label.createdAt
        supersededAt = label.supersededAt
        source = label.source
    }

    /// The caller's view; a kind the schema should have prevented throws instead of trapping.
    func label(path databasePath: String) throws -> Label {
        let id = self.id ?? 0
        guard let known = LabelKind(rawValue: kind) else {
            throw StoreError.corrupt(path: databasePath, reason: "label \(id) has unknown kind '\(kind)'")
        }
        return Label(id: id, inspectionID: inspectionID, station: station, path: path, contentHash: contentHash,
                     kind: known, defectClass: defectClass, note: note, mask: mask.map { [UInt8]($0) }, author: author,
                     createdAt: createdAt, supersededAt: supersededAt, source: source)
    }
}
