import ArgumentParser
import Foundation
import Inspection
import Store

/// `inspectctl label`: QA's judgement of images, written into the verdict log next to the
/// verdicts so calibration and retraining read both from one place. Four modes, one per
/// invocation: label one inspection, import a labelled dataset folder, list current labels,
/// or show the label history of one inspection's content.
struct LabelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label",
        abstract: "Label inspected images good or defect, import labelled datasets, list labels.",
        usage: """
            inspectctl label <id> good|defect [--class <name>] [--mask <png>] [--note <text>]
            inspectctl label --import <dir> [--station <name>] [--dry-run]
            inspectctl label --list [--station <name>] [-o table|json]
            inspectctl label --history <id> [-o table|json]
            """,
        discussion: """
            Labels are kept per image content (SHA-256): relabelling supersedes the current label and keeps \
            the old one in the history. --import reads MVTec-style folders: DIR/good/, DIR/<defect>/ and \
            DIR/ground_truth/<defect>/<stem>_mask.png, or a category root with train/good/, test/<class>/ and \
            ground_truth/<class>/. Masks must be binary PNGs (0 and 255, or 0 and 1) of the image's size.
            The labelled image's bytes are kept in the evidence folder beside the database (evidence/), so the \
            label outlives the station moving or deleting the file; an image that is nowhere any more is \
            labelled with a warning and cannot be learnt from.
            Labelling opens the database for writing; it may run while inspectd is running.
            Exit status: 0 done, 1 unknown id, invalid label or mask, or files skipped by --import, \
            3 database missing, 4 database locked, 5 other database error, 64 bad flags.
            """)

    @OptionGroup var store: StoreOptions

    @Argument(help: "Inspection id to label (first column of 'verdicts').")
    var id: Int64?

    @Argument(help: ArgumentHelp("good or defect.", valueName: "good|defect"))
    var kind: String?

    @Option(name: .customLong("class"), help: ArgumentHelp("Defect class, letters, digits, '.', '_' and '-' (defect labels only).", valueName: "name"))
    var defectClass: String?

    @Option(help: ArgumentHelp("Binary PNG mask of the defect region, the image's size (defect labels only).", valueName: "png"))
    var mask: String?

    @Option(help: ArgumentHelp("Free-text note stored with the label (also with --import: one note for every file).", valueName: "text"))
    var note: String?

    @Option(name: .customLong("import"), help: ArgumentHelp("Import the labelled dataset folder <dir>.", valueName: "dir"))
    var importDirectory: String?

    @Option(help: ArgumentHelp("Station recorded with imported labels; with --list, only this station's labels.", valueName: "name"))
    var station: String?

    @Flag(name: .customLong("dry-run"), help: "With --import: check every file and mask, write nothing.")
    var dryRun = false

    @Flag(help: "List the current labels (oldest first).")
    var list = false

    @Option(help: ArgumentHelp("Show every label ever given to the content of this inspection.", valueName: "id"))
    var history: Int64?

    @Option(name: .shortAndLong, help: ArgumentHelp("With --list or --history: table or json (one object per line).", valueName: "format"))
    var output: String?

    /// The four things one invocation can do.
    private enum Mode { case single, importing, list, history }

    private var mode: Mode? {
        let given: [(Bool, Mode)] = [(id != nil, .single), (importDirectory != nil, .importing), (list, .list),
                                     (history != nil, .history)]
        let modes = given.filter(\.0).map(\.1)
        return modes.count == 1 ? modes[0] : nil
    }

    func validate() throws {
        guard let mode else {
            let count = [id != nil, importDirectory != nil, list, history != nil].filter { $0 }.count
            throw ValidationError(count == 0
                ? "expected <id> good|defect, --import <dir>, --list or --history <id>"
                : "<id>, --import, --list and --history are mutually exclusive")
        }
        // Flags of another mode are usage errors, not silently ignored.
        let flags: [(name: String, given: Bool, modes: [Mode], text: String)] = [
            ("--class", defectClass != nil, [.single], "<id> good|defect"),
            ("--mask", mask != nil, [.single], "<id> good|defect"),
            ("--note", note != nil, [.single, .importing], "<id> good|defect and --import"),
            ("--station", station != nil, [.importing, .list], "--import and --list"),
            ("--dry-run", dryRun, [.importing], "--import"),
            ("-o", output != nil, [.list, .history], "--list and --history"),
        ]
        if let flag = flags.first(where: { $0.given && !$0.modes.contains(mode) }) {
            throw ValidationError("\(flag.name) only applies to \(flag.text)")
        }
        if let output, LabelPrinter.Format(rawValue: output) == nil {
            throw ValidationError("-o: expected table or json (got \(output))")
        }
        if let station, station.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--station: must not be empty")
        }
        if mode == .single { try validateSingle() }
    }

    private func validateSingle() throws {
        guard let kind else { throw ValidationError("expected good or defect after the inspection id") }
        guard let labelKind = LabelKind(rawValue: kind) else {
            throw ValidationError("expected good or defect after the inspection id (got \(kind))")
        }
        do {
            try LabelRules.check(item: "label", kind: labelKind, defectClass: defectClass, hasMask: mask != nil)
        } catch let InspectionError.invalidLabel(_, reason) {
            throw ValidationError("\(reason.contains("mask") ? "--mask" : "--class"): \(reason)")
        }
    }

    func run() throws {
        try reportingFailures {
            if let id {
                try labelOne(id: id)
            } else if let importDirectory {
                try importDataset(importDirectory)
            } else if let history {
                try showHistory(id: history)
            } else {
                let labels = try store.open().currentLabels(station: station)
                printer(showSuperseded: false).print(labels)
            }
        }
    }

    private func printer(showSuperseded: Bool) -> LabelPrinter {
        LabelPrinter(format: output.flatMap(LabelPrinter.Format.init(rawValue:)) ?? .table, showSuperseded: showSuperseded)
    }

    private func labelOne(id: Int64) throws {
        guard let labelKind = kind.flatMap(LabelKind.init(rawValue:)) else {
            throw ValidationError("expected good or defect after the inspection id")
        }
        let db = try store.openForWriting()
        let maskPNG = try mask.map(MaskValidator.read(maskPath:))
        let outcome = try InspectionLabelling.label(id: id, kind: labelKind, defectClass: defectClass, note: note,
                                                    mask: maskPNG, maskName: mask ?? "mask", author: LabelAuthor.current(),
                                                    source: "cli", store: db)
        let (label, record) = (outcome.label, outcome.record)
        if let mask, outcome.defectPixels == 0 {
            FileHandle.standardError.write(Data("inspectctl: warning: \(mask) has no defect pixels\n".utf8))
        }
        if let warning = outcome.evidence.warning(path: record.path) {
            FileHandle.standardError.write(Data("inspectctl: warning: \(warning)\n".utf8))
        }
        var details: [String] = []
        if let defectClass = label.defectClass { details.append("class \(defectClass)") }
        if let defectPixels = outcome.defectPixels { details.append("mask \(defectPixels) defect px") }
        print("label #\(label.id): inspection \(id) is \(label.kind.rawValue)"
              + (details.isEmpty ? "" : " (\(details.joined(separator: ", ")))") + ", by \(label.author)")
        print("  \(record.station) \(record.path) content \(label.contentHash.prefix(12))")
        if let previous = outcome.previous {
            print("  superseded label #\(previous.id) (\(previous.kind.rawValue)"
                  + (previous.defectClass.map { " \($0)" } ?? "")
                  + ", by \(previous.author) at \(TimeExpression.format(previous.createdAt)), source \(previous.source))")
        } else {
            print("  first label for this content")
        }
    }

    private func importDataset(_ directory: String) throws {
        let db = dryRun ? nil : try store.openForWriting()
        let layout = try DatasetLayout.scan(directory)
        guard !layout.items.isEmpty else {
            throw CLIFailure(InspectionError.invalidLabel(
                item: directory, reason: "no .png/.jpg images found (expected good/ and <defect>/ folders, or train/ and test/)"))
        }
        for mask in layout.unusedMasks {
            FileHandle.standardError.write(Data("inspectctl: warning: \(mask) matches no image; not used\n".utf8))
        }
        let importer = LabelImporter(store: db, station: station, note: note, author: LabelAuthor.current())
        var summary = LabelImporter.Summary()
        var stopped: Error?
        do {
            try importer.run(layout, summary: &summary)
        } catch {
            stopped = error
        }
        let verb = dryRun ? "dry run: would import" : "imported"
        var line = "\(verb) \(summary.imported) label(s) from \(layout.name) \(directory)"
        if summary.imported > 0 { line += ": \(LabelImporter.classCounts(summary.perClass))" }
        line += "; \(summary.withMask) with mask"
        if !dryRun { line += ", \(summary.superseded) superseded" }
        line += ", \(summary.skipped) skipped"
        if !layout.ignoredFiles.isEmpty { line += ", \(layout.ignoredFiles.count) non-image file(s) ignored" }
        print(line)
        if let stopped { throw CLIFailure(stopped) }
        if summary.skipped > 0 { throw ExitCode(1) }
    }

    private func showHistory(id: Int64) throws {
        let db = try store.open()
        let record = try db.record(id: id)
        let labels = try db.labelHistory(contentHash: record.contentHash)
        if output != "json" {
            print("content \(record.contentHash) of inspection \(id) (\(record.station) \(record.path))")
        }
        printer(showSuperseded: true).print(labels)
    }
}
