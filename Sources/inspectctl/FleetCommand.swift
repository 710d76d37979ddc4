import ArgumentParser
import Config
import Fleet

/// `inspectctl fleet`: the central PostgreSQL database of a fleet of line PCs.
struct FleetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet", abstract: "Set up the central fleet database (docs/fleet.md).",
        subcommands: [FleetInitCommand.self])
}

/// `inspectctl fleet init --db postgres://…`: creates or upgrades the central schema.
struct FleetInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create or upgrade the central schema (versioned migrations; safe to repeat).",
        discussion: "Exit status: 0 done, 5 the database refused or could not be reached, 64 bad flags.")

    @Option(help: "The fleet database: postgres://user@host[:port]/database[?sslmode=require&password_file=/path].")
    var db: String

    func validate() throws {
        guard FleetURL.isPostgres(db) else { throw ValidationError("--db: expected a postgres:// URL (got \(FleetURL.redact(db)))") }
    }

    func run() throws {
        try reportingFailures {
            let applied = try StoreOptions.withFleet(db) { connection throws(FleetError) in
                try CentralSchema.migrate(connection)
            }
            let url = (try? FleetURL(parsing: db).redacted) ?? FleetURL.redact(db)
            print(applied.isEmpty ? "\(url): schema is current" : "\(url): applied \(applied.joined(separator: ", "))")
        }
    }
}
