import Foundation
import Inspection

/// Labelling one inspected image, as `inspectctl label ID` and the web station both do it:
/// the mask is checked against the image's size (what the daemon recorded, else the file
/// itself), normalised, and written with the label in one transaction; the label it
/// replaced is returned so both can say what changed.
public enum InspectionLabelling {
    /// What a label did.
    public struct Outcome: Sendable {
        public let label: Label
        public let record: InspectionRecord
        /// Defect pixels of the stored mask, when there is one.
        public let defectPixels: Int?
        /// The label this one superseded.
        public let previous: Label?
    }

    /// Labels inspection `id`. `mask` is PNG bytes named `maskName` in errors; every mask
    /// problem is ``InspectionError/invalidMask(path:reason:)``.
    public static func label(id: Int64, kind: LabelKind, defectClass: String?, note: String?, mask: [UInt8]?,
                             maskName: String, author: String, source: String, store: VerdictStore,
                             at time: Double = Date().timeIntervalSince1970) throws -> Outcome {
        let record = try store.record(id: id)
        var checked: (png: [UInt8], defectPixels: Int)?
        if let mask {
            let size = try imageSize(record, maskName: maskName)
            checked = try MaskValidator.validate(png: mask, name: maskName, imageWidth: size.width, imageHeight: size.height)
        }
        let label = try store.addLabel(inspectionID: id, kind: kind, defectClass: defectClass, note: note,
                                       mask: checked?.png, author: author, source: source, at: time)
        let previous = try store.labelHistory(contentHash: label.contentHash).last { $0.id < label.id }
        return Outcome(label: label, record: record, defectPixels: checked?.defectPixels, previous: previous)
    }

    /// The image size a mask must match: what the daemon recorded, else the file itself.
    public static func imageSize(_ record: InspectionRecord, maskName: String) throws -> (width: Int, height: Int) {
        if let width = record.originalWidth, let height = record.originalHeight { return (width, height) }
        do {
            let image = try ImageDecoder().decode(file: record.path).image
            return (image.width, image.height)
        } catch {
            throw InspectionError.invalidMask(
                path: maskName, reason: "cannot check its size: inspection \(record.id) has no recorded image size "
                    + "and the image cannot be read (\(error))")
        }
    }
}
