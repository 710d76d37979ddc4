import ArgumentParser
import Config
import Fleet
import Inspection
import Store

/// `--site`, for the query verbs run against the fleet database (`--db postgres://…`).
struct FleetQueryOptions: ParsableArguments {
    @Option(name: .customLong("site"), help: "Only this site (repeatable); with --db postgres://… only.")
    var sites: [String] = []

    func validate(against store: StoreOptions) throws {
        if !sites.isEmpty && store.fleetURL == nil {
            throw ValidationError("--site: only with --db postgres://… (the fleet database); a local log has one site")
        }
    }
}

extension StoreOptions {
    /// The fleet database named by `--db`, if it is a `postgres://` URL.
    var fleetURL: String? {
        db.flatMap { FleetURL.isPostgres($0) ? $0 : nil }
    }

    /// Only verdicts, stats and export read the fleet; any other command gets a clear error
    /// (exit 1) instead of "no such file postgres://…".
    func refuseFleetURL() throws {
        guard let url = fleetURL else { return }
        throw CLIFailure(CommandError("--db \(FleetURL.redact(url)): the fleet database answers verdicts, stats and export only; this command needs a line PC's SQLite log"))
    }

    /// Rows of the local log, or of the fleet when `--db` is a PostgreSQL URL.
    func records(_ filter: VerdictFilter, fleet: FleetQueryOptions) throws -> [InspectionRecord] {
        if let url = fleetURL {
            return try Self.withFleet(url) { connection throws(FleetError) in
                try FleetQueries(connection: connection).records(filter, sites: fleet.sites)
            }
        }
        return try open().records(filter)
    }

    /// Stats of the local log, or of the fleet (per SITE/STATION).
    func stats(_ filter: VerdictFilter, bucket: StatsBucket, fleet: FleetQueryOptions) throws -> [StationStats] {
        if let url = fleetURL {
            return try Self.withFleet(url) { connection throws(FleetError) in
                try FleetQueries(connection: connection).stats(filter, bucket: bucket, sites: fleet.sites)
            }
        }
        return try open().stats(filter, bucket: bucket)
    }

    /// Connects to `text` (a postgres:// URL), runs `body`, closes. Errors exit 5 with the
    /// redacted URL.
    static func withFleet<T>(_ text: String, _ body: (FleetConnection) throws(FleetError) -> T) throws -> T {
        let url: FleetURL
        do {
            url = try FleetURL(parsing: text)
        } catch {
            throw ValidationError("--db: \(error)")
        }
        return try withFleet(url: url, body)
    }

    static func withFleet<T>(url: FleetURL, _ body: (FleetConnection) throws(FleetError) -> T) throws -> T {
        do {
            let connection = try FleetConnection(url: url)
            defer { connection.close() }
            return try body(connection)
        } catch {
            throw CLIFailure(error)
        }
    }
}
