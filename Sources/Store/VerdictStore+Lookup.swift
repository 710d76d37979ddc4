import Inspection
import GRDB

extension VerdictStore {
    /// The row for one content at one path, whatever its state — lets the daemon finish the
    /// after-processing action of a file whose verdict was committed just before a crash.
    public func record(station: String, path: String, contentHash: String) throws -> InspectionRecord? {
        try read { db in
            typealias Columns = InspectionRow.CodingKeys
            return try InspectionRow
                .filter(Columns.station == station && Columns.path == path && Columns.contentHash == contentHash)
                .fetchOne(db)?
                .record(path: self.path)
        }
    }
}
