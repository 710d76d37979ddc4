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
            metrics and the list of files).
            """)

    @OptionGroup var store: StoreOptions

    @Argument(help: "Version id (first column of 'model list').")
    var id: Int64

    @Argument(help: ArgumentHelp("Target folder (created; must be empty if it exists).", valueName: "dir"))
    var directory: String

    func run() throws {
        try reportingFailures {
            let version = try store.open().version(id: id)
            try prepare(directory)
            var files: [(name: String, bytes: [UInt8])] = []
            if let prompts = version.prompts { files.append(("prompts.safetensors", prompts)) }
            if let bank = version.memoryBank { files.append(("memory_bank.bin", bank)) }
            if let classifier = version.classifier { files.append(("classifier.json", Array(classifier.utf8))) }
            var metadata = VersionPrinter.dictionary(version, full: true)
            metadata["files"] = files.map(\.name) + ["version.json"]
            let json = try JSONSerialization.data(withJSONObject: metadata,
                                                  options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            files.append(("version.json", [UInt8](json) + [0x0A]))
            for file in files {
                let path = URL(fileURLWithPath: directory).appendingPathComponent(file.name).path
                do {
                    try Data(file.bytes).write(to: URL(fileURLWithPath: path), options: .withoutOverwriting)
                } catch {
                    throw CLIFailure(CommandError("\(path): cannot write: \(error.localizedDescription)"))
                }
                print("\(path)  \(VersionPrinter.bytes(file.bytes.count))")
            }
            print("exported version \(version.id) (station \(version.station), \(version.status.rawValue)) to \(directory)")
        }
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
