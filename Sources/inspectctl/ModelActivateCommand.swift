import ArgumentParser
import Foundation
import Inspection
import Store

/// `inspectctl model activate ID`: puts a candidate, rejected or retired version into service,
/// e.g. a candidate QA trusts despite a narrow held-out loss.
struct ModelActivateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activate", abstract: "Make a model version the active one of its station.",
        discussion: "The station's active version is retired. Refused when the version was made for another base model.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "Version id (first column of 'model list').")
    var id: Int64

    @Option(help: ArgumentHelp("Why, stored with the version (default: \"activated by <user> with inspectctl\").",
                               valueName: "text"))
    var reason: String?

    func validate() throws {
        if let reason, reason.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--reason: must not be empty")
        }
    }

    func run() throws {
        try reportingFailures {
            let db = try store.openForWriting()
            let target = try VersionActivation.summary(id: id, store: db)
            try VersionActivation.activate(target, reason: reason ?? "activated by \(LabelAuthor.current()) with inspectctl",
                                           store: db)
        }
    }
}
