import Foundation
import Inspection

/// Labelling one inspected image, as `inspectctl label ID` and the web station both do it:
/// the mask is checked against the image's size (what the daemon recorded, else the file
/// itself), normalised, and written with the label in one transaction; the label it
/// replaced is returned so both can say what changed. The scored bytes are kept in the
/// evidence folder at once, so the label can still be learnt from after the station moves
/// or deletes the file (see ``InspectionBytes``).
public enum InspectionLabelling {
    /// What a label did.
    public struct Outcome: Sendable {
        public let label: Label
        public let record: InspectionRecord
        /// Defect pixels of the stored mask, when there is one.
        public let defectPixels: Int?
        /// The label this one superseded.
        public let previous: Label?
        /// Whether the labelled bytes were kept as evidence.
        public let evidence: Evidence
    }

    /// What became of the labelled image's bytes. The label is recorded in every case (the
    /// judgement is history); whether it can be learnt from depends on the bytes.
    public enum Evidence: Sendable, Equatable {
        case kept
        /// Found but not written to the evidence folder: learnt from only while the path holds them.
        case notKept(String)
        /// Found nowhere: fitting and retraining skip the label.
        case missing(String)

        /// The warning QA should see, or nil when all is well.
        public func warning(path: String) -> String? {
            switch self {
            case .kept: return nil
            case let .notKept(error):
                return "label recorded, but its image was not kept as evidence (\(error)); it is learnt from only while "
                    + "\(path) holds these bytes"
            case let .missing(reason):
                return "label recorded, but its image cannot be found: \(reason). Few-shot fitting and retraining will "
                    + "skip it. To label images after the station moved or deleted them, keep their evidence at verdict "
                    + "time (keep_evidence = [\"review\", \"fail\"])"
            }
        }
    }

    /// Labels inspection `id`. `mask` is PNG bytes named `maskName` in errors; every mask
    /// problem is ``InspectionError/invalidMask(path:reason:)``.
    public static func label(id: Int64, kind: LabelKind, defectClass: String?, note: String?, mask: [UInt8]?,
                             maskName: String, author: String, source: String, store: VerdictStore,
                             at time: Double = Date().timeIntervalSince1970) throws -> Outcome {
        let record = try store.record(id: id)
        var checked: (png: [UInt8], defectPixels: Int)?
        if let mask {
            let size = try imageSize(record, maskName: maskName, store: store)
            checked = try MaskValidator.validate(png: mask, name: maskName, imageWidth: size.width, imageHeight: size.height)
        }
        let label = try store.addLabel(inspectionID: id, kind: kind, defectClass: defectClass, note: note,
                                       mask: checked?.png, author: author, source: source, at: time)
        let previous = try store.labelHistory(contentHash: label.contentHash).last { $0.id < label.id }
        return Outcome(label: label, record: record, defectPixels: checked?.defectPixels, previous: previous,
                       evidence: keepEvidence(record, store: store))
    }

    private static func keepEvidence(_ record: InspectionRecord, store: VerdictStore) -> Evidence {
        let images = InspectionBytes(databasePath: store.path)
        guard let found = images.find(record) else { return .missing(images.missingReason(record)) }
        do {
            try images.keep(found, record: record, store: store)
            return .kept
        } catch {
            return .notKept("\(error)")
        }
    }

    /// The image size a mask must match: what the daemon recorded, else the file itself.
    public static func imageSize(_ record: InspectionRecord, maskName: String, store: VerdictStore) throws -> (width: Int, height: Int) {
        if let width = record.originalWidth, let height = record.originalHeight { return (width, height) }
        do {
            let images = InspectionBytes(databasePath: store.path)
            guard let found = images.find(record) else {
                throw InspectionError.invalidMask(path: maskName, reason: "cannot check its size: inspection \(record.id) "
                                                  + "has no recorded image size and \(images.missingReason(record))")
            }
            let image = try ImageDecoder().decode(data: found.bytes, name: record.path).image
            return (image.width, image.height)
        } catch let error as InspectionError {
            throw error
        } catch {
            throw InspectionError.invalidMask(
                path: maskName, reason: "cannot check its size: inspection \(record.id) has no recorded image size "
                    + "and the image cannot be read (\(error))")
        }
    }
}
