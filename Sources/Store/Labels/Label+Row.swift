import Inspection
import Foundation
import GRDB

extension Label {
    /// Columns in the order ``init(row:)`` reads them.
    static let selection = """
        id, inspection_id, station, path, content_hash, kind, defect_class, note, mask, author, created_at, \
        superseded_at, source
        """

    /// Decodes a row selected with ``selection``; a kind the schema should have prevented (a
    /// hand-edited file) throws instead of trapping.
    init(row: Row) throws {
        let id = try row.decode(Int64.self, atIndex: 0)
        let kindText = try row.decode(String.self, atIndex: 5)
        guard let kind = LabelKind(rawValue: kindText) else {
            throw StoreCorruption(message: "label \(id) has unknown kind '\(kindText)'")
        }
        let mask = try row.decode(Data?.self, atIndex: 8)
        self.init(
            id: id,
            inspectionID: try row.decode(atIndex: 1),
            station: try row.decode(atIndex: 2),
            path: try row.decode(atIndex: 3),
            contentHash: try row.decode(atIndex: 4),
            kind: kind,
            defectClass: try row.decode(atIndex: 6),
            note: try row.decode(atIndex: 7),
            mask: mask.map { [UInt8]($0) },
            author: try row.decode(atIndex: 9),
            createdAt: try row.decode(atIndex: 10),
            supersededAt: try row.decode(atIndex: 11),
            source: try row.decode(atIndex: 12))
    }
}
