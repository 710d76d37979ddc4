import Foundation
import Inspection
import Store

/// POST `/label/ID`: the form of the detail and queue pages. The mask arrives as the
/// canvas's PNG in a data URL; it goes through the same ``InspectionLabelling`` path as
/// `inspectctl label ID … --mask`, so the store's rules (binary, the image's size) apply
/// and the signed-in user becomes the author.
struct LabelSubmission {
    let state: WebState
    let user: String

    static let dataURLPrefix = "data:image/png;base64,"

    func submit(id: Int64, fields: FormFields) throws -> InspectionLabelling.Outcome {
        guard let kindText = fields["kind"] else {
            throw WebFailure(status: .unprocessableContent, message: "kind: choose good or defect")
        }
        guard let kind = LabelKind(rawValue: kindText) else {
            throw WebFailure(status: .unprocessableContent, message: "kind: expected good or defect (got \(kindText))")
        }
        let defectClass = kind == .defect ? fields["class"] : nil
        var mask: [UInt8]?
        if kind == .defect, let text = fields["mask"] {
            guard text.hasPrefix(Self.dataURLPrefix),
                  let data = Data(base64Encoded: String(text.dropFirst(Self.dataURLPrefix.count))) else {
                throw WebFailure(status: .unprocessableContent, message: "mask: expected a PNG data URL (data:image/png;base64,…)")
            }
            mask = Array(data)
        }
        let store = try state.writeStore()
        return try InspectionLabelling.label(id: id, kind: kind, defectClass: defectClass, note: fields["note"],
                                             mask: mask, maskName: "mask of inspection \(id)", author: user,
                                             source: "web", store: store)
    }
}
