import ArgumentParser
import Foundation
import Inspection
import Store

/// `inspectctl model export ID DIR`: a version's parts as plain files, to archive it, move it
/// to another line PC or load the prompts in AnomalyCLIP's own code.
struct ModelExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write a model version's prompts, memory bank, classifier and metadata to a folder.",
        discussion: """
            DIR must not exist or be empty. Written: prompts.safetensors (trained or imported versions), \
            memory_bank.bin and classifier.json (when the version has them) and version.json (every field, the \
            metrics and the list of files). With --images also the labelled images the version was fitted and \
            judged on, as images/<label id>-<good|defect>.<png|jpg>, and labels.json describing each (read from the \
            evidence folder beside the database, else from the label's path if it still holds the labelled bytes).
            """)

    @OptionGroup var store: StoreOptions

    @Argument(help: "Version id (first column of 'model list').")
    var id: Int64

    @Argument(help: ArgumentHelp("Target folder (created; must be empty if it exists).", valueName: "dir"))
    var directory: String

    @Flag(help: "Also write the version's labelled images and labels.json.")
    var images = false

    func run() throws {
        try reportingFailures {
            let db = try store.open()
            let version = try db.version(id: id)
            try prepare(directory)
            var files: [(name: String, bytes: [UInt8])] = []
            if let prompts = version.prompts { files.append(("prompts.safetensors", prompts)) }
            if let bank = version.memoryBank { files.append(("memory_bank.bin", bank)) }
            if let classifier = version.classifier { files.append(("classifier.json", Array(classifier.utf8))) }
            if images { files += try labelledImages(version, store: db) }
            var metadata = VersionPrinter.dictionary(version, full: true)
            metadata["files"] = files.map(\.name) + ["version.json"]
            let json = try JSONSerialization.data(withJSONObject: metadata,
                                                  options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            files.append(("version.json", [UInt8](json) + [0x0A]))
            for file in files {
                let path = URL(fileURLWithPath: directory).appendingPathComponent(file.name).path
                do {
                    if file.name.contains("/") {
                        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                                withIntermediateDirectories: true)
                    }
                    try Data(file.bytes).write(to: URL(fileURLWithPath: path), options: .withoutOverwriting)
                } catch {
                    throw CLIFailure(CommandError("\(path): cannot write: \(error.localizedDescription)"))
                }
                print("\(path)  \(VersionPrinter.bytes(file.bytes.count))")
            }
            print("exported version \(version.id) (station \(version.station), \(version.status.rawValue)) to \(directory)")
        }
    }

    /// The version's training and held-out images with `labels.json`: the labelled bytes from
    /// the evidence folder, else from the label's path when it still holds them. A label whose
    /// image is nowhere is listed with `"file": null` and a warning, never replaced by other bytes.
    private func labelledImages(_ version: ModelVersionRecord, store db: VerdictStore) throws -> [(name: String, bytes: [UInt8])] {
        let evidence = EvidenceStore(databasePath: db.path)
        let heldOut = Set(version.heldOutLabelIDs)
        var files: [(name: String, bytes: [UInt8])] = []
        var rows: [[String: Any]] = []
        for label in try db.labels(ids: version.trainingLabelIDs + version.heldOutLabelIDs) {
            var row: [String: Any] = ["label_id": label.id, "kind": label.kind.rawValue, "content_hash": label.contentHash,
                                      "path": label.path, "role": heldOut.contains(label.id) ? "heldout" : "training",
                                      "defect_class": label.defectClass ?? NSNull(), "has_mask": label.mask != nil]
            do {
                let bytes = try evidence.labeledImage(label).readBytes(decoder: ImageDecoder())
                let ext = bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) ? "png" : "jpg"
                let name = "images/\(label.id)-\(label.kind.rawValue).\(ext)"
                files.append((name, bytes))
                row["file"] = name
            } catch {
                FileHandle.standardError.write(Data("inspectctl: warning: label \(label.id): image not exported: \(error)\n".utf8))
                row["file"] = NSNull()
            }
            rows.append(row)
        }
        let json = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return files + [("labels.json", [UInt8](json) + [0x0A])]
    }

    /// Creates `path`, or accepts it when it is an empty folder; anything else is refused
    /// so an export never mixes with or overwrites other files.
    private func prepare(_ path: String) throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw CLIFailure(CommandError("\(path): exists and is not a folder; choose a new or empty folder"))
            }
            let entries = (try? manager.contentsOfDirectory(atPath: path)) ?? []
            guard entries.isEmpty else {
                throw CLIFailure(CommandError("\(path): folder is not empty (\(entries.count) entries); choose a new or empty folder"))
            }
            return
        }
        do {
            try manager.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw CLIFailure(CommandError("\(path): cannot create folder: \(error.localizedDescription)"))
        }
    }
}
