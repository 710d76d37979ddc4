import Inspection
import GRDB

extension VerdictStore {
    /// The row for one content at one path, whatever its state — lets the daemon finish the
    /// after-processing action of a file whose verdict was committed just before a crash.
    public func record(station: String, path: String, contentHash: String) throws -> InspectionRecord? {
        try read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT \(InspectionRecord.selection) FROM inspections WHERE station = ? AND path = ? AND content_hash = ?",
                arguments: [station, path, contentHash]
            ).map { try InspectionRecord(row: $0) }
        }
    }
}
