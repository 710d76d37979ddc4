import ArgumentParser
import Config
import Fleet
import Foundation
import Store

/// `inspectctl model publish ID`: offers a version to the fleet. Stations elsewhere with
/// `follow_published = PRODUCT` import it as a candidate and judge it on their own labels.
struct ModelPublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish", abstract: "Publish a model version's prompts and classifier to the fleet database.",
        discussion: """
            The fleet URL and this PC's site come from [fleet] in --config unless --fleet and --site are given. \
            Followers never activate a published version blindly: each judges it on its own held-out labels.
            Exit status: 0 published (or already published), 1 unknown id, 3 database missing, 5 fleet database error, 64 bad flags.
            """)

    @OptionGroup var store: StoreOptions

    @Argument(help: "Version id (first column of 'model list').")
    var id: Int64

    @Option(help: "Product name followers subscribe to (default: the version's station name).")
    var product: String?

    @Option(help: "Fleet database URL (default: [fleet] url of --config).")
    var fleet: String?

    @Option(help: "This PC's site name (default: [fleet] site of --config).")
    var site: String?

    func validate() throws {
        if let product, product.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--product: must not be empty") }
        if let fleet, !FleetURL.isPostgres(fleet) { throw ValidationError("--fleet: expected a postgres:// URL (got \(FleetURL.redact(fleet)))") }
    }

    func run() throws {
        try reportingFailures {
            let configured = FileManager.default.fileExists(atPath: store.config)
                ? (try? InspectdConfiguration.load(path: store.config))?.fleet : nil
            guard let siteName = site ?? configured?.site else {
                throw CLIFailure(CommandError("no site: give --site or a [fleet] table in \(store.config)"))
            }
            let url: FleetURL
            if let fleet {
                do { url = try FleetURL(parsing: fleet) } catch { throw ValidationError("--fleet: \(error)") }
            } else if let configuredURL = configured?.url {
                url = configuredURL
            } else {
                throw CLIFailure(CommandError("no fleet database: give --fleet or a [fleet] table in \(store.config)"))
            }
            let version = try store.open().version(id: id)
            let name = product ?? version.station
            let published = try StoreOptions.withFleet(url: url) { connection throws(FleetError) in
                try FleetPublisher.publish(version, product: name, site: siteName, by: LabelAuthor.current(), over: connection)
            }
            print("version \(id) of \(siteName)/\(version.station) \(published.isNew ? "published" : "already published") "
                  + "as \(name) #\(published.id) on \(url.redacted)")
        }
    }
}
