import ArgumentParser
import Config
import Engine
import Foundation
import Inspection
import Store

/// `inspectctl model import-prompts FILE`: brings prompts trained elsewhere (AnomalyCLIP's
/// prompt learner, converted to safetensors) in as a version of a station. The file is
/// checked against the configured model's text width before anything is stored; the
/// few-shot parts are not copied but refitted by the daemon from the active version's
/// training labels when it activates the new version.
struct ModelImportPromptsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-prompts",
        abstract: "Import AnomalyCLIP learned prompts (safetensors) as a new model version.",
        discussion: """
            FILE holds ctx_pos, ctx_neg and compound_prompts_text.N in AnomalyCLIP's names, for the text width of \
            the model in the inspectd configuration (--config). The station must have an active version (inspectd \
            creates it on its first start). Without --activate the version is a candidate: check it, then \
            'inspectctl model activate ID'.
            """)

    @OptionGroup var store: StoreOptions

    @Argument(help: ArgumentHelp("Prompts file (safetensors).", valueName: "file"))
    var file: String

    @Option(help: ArgumentHelp("Station the version is for.", valueName: "name"))
    var station: String

    @Flag(help: "Make the new version active at once (the current one is retired).")
    var activate = false

    @Option(help: ArgumentHelp("Note stored with the version (default: \"imported from FILE\").", valueName: "text"))
    var note: String?

    func validate() throws {
        guard !station.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--station: must not be empty") }
    }

    func run() throws {
        try reportingFailures {
            let db = try store.openForWriting()
            guard let active = try VersionActivation.active(station: station, store: db) else {
                throw CLIFailure(CommandError("station \(station) has no active model version; start inspectd once first "
                                              + "(it records the configured model as the first version)"))
            }
            let prompts = try loadPrompts()
            let bytes = try serialize(prompts)
            let now = Date().timeIntervalSince1970
            let record = ModelVersionRecord(
                station: station, base: active.base, status: activate ? .active : .candidate, source: .imported,
                parentID: active.id, createdAt: now, activatedAt: activate ? now : nil, prompts: bytes,
                promptsHash: ContentHash.sha256(bytes), trainingLabelIDs: active.trainingLabelIDs,
                note: note ?? "imported from \(file)")
            let id = try db.insertVersion(record, retireReason: "replaced by imported prompts")
            if activate {
                print("imported \(file) as version \(id) for station \(station): active (was \(active.id)); "
                      + "inspectd switches within a few seconds")
            } else {
                print("imported \(file) as version \(id) for station \(station): candidate; "
                      + "activate it with: inspectctl model activate \(id)")
            }
        }
    }

    /// The prompts, validated against the configured model's text width.
    private func loadPrompts() throws -> LearnedPrompts {
        let configuration: InspectdConfiguration
        do {
            configuration = try InspectdConfiguration.load(path: store.config)
        } catch {
            throw CLIFailure(CommandError("\(error); import-prompts reads the inspectd configuration to check the prompts "
                                          + "against the model (pass --config FILE)"))
        }
        let width: Int
        do {
            width = try ModelTextWidth.of(configuration.model)
        } catch {
            throw CLIFailure(CommandError("cannot read the text width of model.path in \(store.config): \(error)"))
        }
        do {
            return try LearnedPrompts.load(path: file, width: width)
        } catch {
            throw CLIFailure(CommandError("\(file): not usable AnomalyCLIP prompts for the configured model "
                                          + "(\(configuration.model.path), text width \(width)): \(error)"))
        }
    }

    /// The bytes stored in the version: the validated prompts re-encoded in the daemon's own
    /// layout (unused upstream tensors dropped), so the stored copy loads exactly as checked.
    private func serialize(_ prompts: LearnedPrompts) throws -> [UInt8] {
        do {
            return try prompts.serialized()
        } catch {
            throw CLIFailure(CommandError("\(file): cannot re-encode the prompts: \(error)"))
        }
    }
}
