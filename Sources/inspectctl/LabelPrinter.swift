import Foundation
import Inspection
import Store

/// Renders labels as an aligned table or JSON lines. Masks are summarised (present or not,
/// bytes), never dumped: the PNG is for training tools, which read it from the store.
struct LabelPrinter {
    enum Format: String { case table, json }
    let format: Format
    /// Adds the SUPERSEDED column, for histories.
    let showSuperseded: Bool

    func print(_ labels: [Label]) {
        switch format {
        case .table:
            var header = pad("ID", 7) + pad("CREATED", 20) + pad("KIND", 7) + pad("CLASS", 16) + pad("MASK", 5)
            if showSuperseded { header += pad("SUPERSEDED", 20) }
            Swift.print(header + pad("AUTHOR", 12) + pad("SOURCE", 7) + pad("INSP", 7) + pad("STATION", 12) + "PATH")
            for label in labels {
                var row = pad("\(label.id)", 7) + pad(TimeExpression.format(label.createdAt), 20)
                    + pad(label.kind.rawValue, 7) + pad(label.defectClass ?? "-", 16) + pad(label.mask == nil ? "-" : "yes", 5)
                if showSuperseded { row += pad(TimeExpression.format(label.supersededAt), 20) }
                row += pad(label.author, 12) + pad(label.source, 7) + pad(label.inspectionID.map { "\($0)" } ?? "-", 7)
                    + pad(label.station ?? "-", 12) + label.path + (label.note.map { "  (\($0))" } ?? "")
                Swift.print(row)
            }
            Swift.print("\(labels.count) label(s)")
        case .json:
            labels.forEach { Swift.print(RecordFormatter.json(Self.dictionary($0))) }
        }
    }

    static func dictionary(_ label: Label) -> [String: Any] {
        func opt(_ value: Any?) -> Any { value ?? NSNull() }
        return [
            "id": label.id, "inspection_id": opt(label.inspectionID), "station": opt(label.station), "path": label.path,
            "content_hash": label.contentHash, "kind": label.kind.rawValue, "defect_class": opt(label.defectClass),
            "note": opt(label.note), "has_mask": label.mask != nil, "mask_bytes": label.mask?.count ?? 0,
            "author": label.author, "created_at": opt(TimeExpression.iso(label.createdAt)),
            "superseded_at": opt(TimeExpression.iso(label.supersededAt)), "current": label.isCurrent,
            "source": label.source,
        ]
    }

    private func pad(_ text: String, _ width: Int) -> String { RecordFormatter.pad(text, width) }
}
