import ArgumentParser
import Foundation
import Inspection
import Store

/// `inspectctl model show ID`: every field of one version, blobs summarised by size.
struct ModelShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show all fields of one model version.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "Version id (first column of 'model list').")
    var id: Int64

    @Option(name: [.customLong("format"), .customShort("o")], help: "table or json.")
    var format: ListFormat = .table

    func run() throws {
        try reportingFailures {
            let version = try store.open().version(id: id)
            switch format {
            case .json:
                print(RecordFormatter.json(VersionPrinter.dictionary(version, full: true)))
            case .table:
                for (key, value) in VersionPrinter.detailLines(version) {
                    print(RecordFormatter.pad(key, 22) + value)
                }
            }
        }
    }
}
