import Foundation
import Inspection
import Store

/// `label --import`: labels every image of a dataset folder, one transaction per image, so a
/// bad file or mask costs only itself — everything before it stays imported and everything
/// after it is still tried. Database failures are different: they would repeat for every
/// file, so they stop the run (after the summary of what was done).
struct LabelImporter {
    /// nil for a dry run: everything is read and checked, nothing is written.
    let store: VerdictStore?
    let station: String?
    let note: String?
    let author: String
    let decoder = ImageDecoder()

    /// What the run did, for the summary line and the exit status.
    struct Summary {
        var perClass: [String: Int] = [:]
        var withMask = 0
        var superseded = 0
        var skipped = 0
        var imported: Int { perClass.values.reduce(0, +) }
    }

    /// Imports `layout`, reporting skips and warnings on stderr and counting into `summary`,
    /// which keeps the progress when a database error stops the run and is rethrown.
    func run(_ layout: DatasetLayout, summary: inout Summary) throws {
        var seen: [String: String] = [:]
        let now = Date().timeIntervalSince1970
        for item in layout.items {
            do {
                let contentHash = try ContentHash.sha256(file: item.path)
                let image = try decoder.decode(file: item.path).image
                try LabelRules.check(item: item.path, kind: item.kind, defectClass: item.defectClass,
                                     hasMask: item.maskPath != nil)
                var mask: [UInt8]?
                if let maskPath = item.maskPath {
                    let checked = try MaskValidator.validate(maskPath: maskPath, imageWidth: image.width,
                                                             imageHeight: image.height)
                    if checked.defectPixels == 0 {
                        warn("\(maskPath): mask has no defect pixels; labelling \(item.path) as a defect without a located region")
                    }
                    mask = checked.png
                }
                if let earlier = seen[contentHash] {
                    warn("\(item.path): same content as \(earlier); its label replaces the earlier one")
                }
                seen[contentHash] = item.path
                if let store {
                    let label = try store.addLabel(
                        path: item.path, contentHash: contentHash, station: station, kind: item.kind,
                        defectClass: item.defectClass, note: note, mask: mask, author: author, source: "import", at: now)
                    if try store.labelHistory(contentHash: contentHash).contains(where: { $0.id < label.id }) {
                        summary.superseded += 1
                    }
                    keepEvidence(item.path, contentHash: contentHash, store: store)
                }
                summary.perClass[item.defectClass ?? item.kind.rawValue, default: 0] += 1
                if mask != nil { summary.withMask += 1 }
            } catch let error as InspectionError {
                switch error {
                case .databaseMissing, .databaseLocked, .database:
                    throw error
                default:
                    summary.skipped += 1
                    warn("skipped \(item.path): \(Self.reason(error, path: item.path))")
                }
            }
        }
    }

    /// Keeps an imported image in the evidence folder (a hard link where possible: a dataset
    /// folder is not rewritten by a camera), so the label survives the dataset being moved.
    private func keepEvidence(_ path: String, contentHash: String, store: VerdictStore) {
        let evidence = EvidenceStore(databasePath: store.path)
        do {
            let how = try evidence.keep(file: path, contentHash: contentHash, link: true)
            var info = stat()
            let size = stat(path, &info) == 0 ? Int(info.st_size) : 0
            try store.recordEvidence(contentHash: contentHash, bytes: size, reason: .labelled, storedAs: how,
                                     at: Date().timeIntervalSince1970)
        } catch {
            warn("\(path): label recorded, but the image was not kept as evidence (\(error)); it is learnt from only while this file holds these bytes")
        }
    }

    /// "good 3, dent 2, scratch 4": good first, then classes alphabetically.
    static func classCounts(_ perClass: [String: Int]) -> String {
        let order = perClass.keys.sorted { ($0 != "good" ? 1 : 0, $0) < ($1 != "good" ? 1 : 0, $1) }
        return order.map { "\($0) \(perClass[$0] ?? 0)" }.joined(separator: ", ")
    }

    /// The error without a leading "path: " that would repeat the item just named.
    private static func reason(_ error: InspectionError, path: String) -> String {
        let text = error.description
        return text.hasPrefix(path + ": ") ? String(text.dropFirst(path.count + 2)) : text
    }

    private func warn(_ message: String) {
        FileHandle.standardError.write(Data("inspectctl: \(message)\n".utf8))
    }
}
