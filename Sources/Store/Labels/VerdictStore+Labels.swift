import Inspection
import Foundation
import GRDB

extension VerdictStore {
    /// Labels an inspected image (by inspection id): validates, supersedes the current label of
    /// the same content (contentHash), inserts — one transaction. The station, path and hash
    /// come from the inspection row, so a label always names exactly the bytes that were
    /// scored. The mask is checked against the inspection's recorded image size when the row
    /// has one (rows that never decoded do not), and stored normalised to 0/255.
    @discardableResult
    public func addLabel(inspectionID: Int64, kind: LabelKind, defectClass: String?, note: String?, mask: [UInt8]?,
                         author: String, source: String = "cli", at time: Double) throws -> Label {
        let item = "label for inspection \(inspectionID)"
        try checkLabel(item: item, kind: kind, defectClass: defectClass, mask: mask, author: author, time: time)
        let target = try read { db in try InspectionRow.fetchOne(db, key: inspectionID) }
        guard let target else { throw InspectionError.notFound(what: "inspection", id: inspectionID) }
        let (station, imagePath, contentHash) = (target.station, target.path, target.contentHash)
        let (width, height) = (target.originalWidth, target.originalHeight)
        let stored = try mask.map {
            try MaskValidator.validate(png: $0, name: "mask of \(item)", imageWidth: width, imageHeight: height).png
        }
        return try insertLabel(inspectionID: inspectionID, station: station, imagePath: imagePath, contentHash: contentHash,
                               kind: kind, defectClass: defectClass, note: note, mask: stored, author: author,
                               source: source, at: time)
    }

    /// Labels an image file not necessarily inspected (import): keyed by content hash
    /// (computed by the caller with ContentHash.sha256(file:)). The store cannot know the
    /// image size here, so the caller checks the mask size (``MaskValidator``); the store
    /// still refuses a mask that is not a binary PNG.
    @discardableResult
    public func addLabel(path imagePath: String, contentHash: String, station: String?, kind: LabelKind,
                         defectClass: String?, note: String?, mask: [UInt8]?, author: String, source: String,
                         at time: Double) throws -> Label {
        let item = "label for \(imagePath)"
        try checkLabel(item: item, kind: kind, defectClass: defectClass, mask: mask, author: author, time: time)
        try LabelRules.requireText(imagePath, field: "path", item: item)
        try LabelRules.requireText(contentHash, field: "content hash", item: item)
        try LabelRules.requireText(source, field: "source", item: item)
        if let station { try LabelRules.requireText(station, field: "station", item: item) }
        let stored = try mask.map {
            try MaskValidator.validate(png: $0, name: "mask of \(item)", imageWidth: nil, imageHeight: nil).png
        }
        return try insertLabel(inspectionID: nil, station: station, imagePath: imagePath, contentHash: contentHash,
                               kind: kind, defectClass: defectClass, note: note, mask: stored, author: author,
                               source: source, at: time)
    }

    /// Labels nobody has replaced, oldest first; only one station's when `station` is given
    /// (imported labels without a station are then left out).
    public func currentLabels(station: String? = nil) throws -> [Label] {
        typealias Columns = LabelRow.CodingKeys
        var request = LabelRow.filter(Columns.supersededAt == nil)
        if let station {
            request = request.filter(Columns.station == station)
        }
        return try read { db in
            try request.order(Columns.createdAt, Columns.id).fetchAll(db).map { try $0.label(path: path) }
        }
    }

    /// Every label ever given to this content, superseded ones included, in the order they
    /// were recorded (oldest first); the last one is the current label.
    public func labelHistory(contentHash: String) throws -> [Label] {
        try read { db in
            try LabelRow.filter(LabelRow.CodingKeys.contentHash == contentHash).order(LabelRow.CodingKeys.id)
                .fetchAll(db).map { try $0.label(path: path) }
        }
    }

    /// Labels created at or after `time`, superseded ones included: a relabel is new
    /// information for the "retrain after N new labels" rule just like a first label.
    public func labelCount(since time: Double) throws -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM labels WHERE created_at >= ?", arguments: [time]) ?? 0
        }
    }

    /// The checks both entry points share, before any database access.
    private func checkLabel(item: String, kind: LabelKind, defectClass: String?, mask: [UInt8]?, author: String,
                            time: Double) throws {
        guard !isReadOnly else {
            throw StoreError.other(path: path, reason: "opened read-only; labels need the store opened for writing")
        }
        try LabelRules.check(item: item, kind: kind, defectClass: defectClass, hasMask: mask != nil)
        try LabelRules.requireText(author, field: "author", item: item)
        guard time.isFinite else {
            throw InspectionError.invalidLabel(item: item, reason: "time \(time) is not a finite number of seconds")
        }
    }

    /// Supersedes the current label of the content and inserts the new one in one transaction,
    /// so readers see either the old current label or the new one, never none or two (the
    /// partial unique index `labels_current_by_content` enforces the latter in the file).
    private func insertLabel(inspectionID: Int64?, station: String?, imagePath: String, contentHash: String,
                             kind: LabelKind, defectClass: String?, note: String?, mask: [UInt8]?, author: String,
                             source: String, at time: Double) throws -> Label {
        let note = note.flatMap { $0.contains(where: { !$0.isWhitespace }) ? $0 : nil }
        return try write { db in
            if let inspectionID {
                // Retention may have removed the row since it was read.
                guard try InspectionRow.exists(db, key: inspectionID) else {
                    throw InspectionError.notFound(what: "inspection", id: inspectionID)
                }
            }
            try db.execute(sql: "UPDATE labels SET superseded_at = ? WHERE content_hash = ? AND superseded_at IS NULL",
                           arguments: [time, contentHash])
            var label = Label(id: 0, inspectionID: inspectionID, station: station, path: imagePath,
                              contentHash: contentHash, kind: kind, defectClass: defectClass, note: note, mask: mask,
                              author: author, createdAt: time, supersededAt: nil, source: source)
            try LabelRow(label).insert(db)
            label.id = db.lastInsertedRowID
            return label
        }
    }
}
