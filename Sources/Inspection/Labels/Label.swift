/// One QA judgement of one image content, as recorded in the verdict database.
///
/// Labels are keyed by content (``contentHash``), not by inspection: the same bytes inspected
/// at two stations, or imported from a dataset and later inspected, share one current label.
/// A relabel never deletes: it sets ``supersededAt`` on the previous label, so the history of
/// who said what, and when, survives for audits and for re-running calibrations.
public struct Label: Sendable, Codable, Equatable {
    public var id: Int64
    /// nil for imported images that were never inspected, and for labels whose inspection row
    /// was later removed by retention (the label outlives the verdict).
    public var inspectionID: Int64?
    public var station: String?
    public var path: String
    public var contentHash: String
    public var kind: LabelKind
    /// Defect type (`[A-Za-z0-9._-]+`); nil for good labels and for defects of unknown type.
    public var defectClass: String?
    public var note: String?
    /// PNG bytes, 8-bit gray 0/255, same size as the image; nil = no mask.
    public var mask: [UInt8]?
    public var author: String
    /// Unix seconds.
    public var createdAt: Double
    /// When a later label of the same content replaced this one; nil while it is current.
    public var supersededAt: Double?
    /// "cli", "import".
    public var source: String

    public init(id: Int64, inspectionID: Int64?, station: String?, path: String, contentHash: String, kind: LabelKind,
                defectClass: String?, note: String?, mask: [UInt8]?, author: String, createdAt: Double,
                supersededAt: Double?, source: String) {
        self.id = id
        self.inspectionID = inspectionID
        self.station = station
        self.path = path
        self.contentHash = contentHash
        self.kind = kind
        self.defectClass = defectClass
        self.note = note
        self.mask = mask
        self.author = author
        self.createdAt = createdAt
        self.supersededAt = supersededAt
        self.source = source
    }

    /// True while no later label of the same content has replaced it.
    public var isCurrent: Bool { supersededAt == nil }
}
