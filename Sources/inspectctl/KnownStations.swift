import ArgumentParser
import Config
import Foundation
import Inspection
import Store

/// Which station a station-wide command (retrain, rollback) means when `--station` is left
/// out: the only one known, else the operator must say. Known stations are those with
/// inspections or model versions in the log.
enum KnownStations {
    /// Stations with inspections or model versions, sorted.
    static func list(_ store: VerdictStore) throws -> [String] {
        var names = Set(try store.stats(VerdictFilter(), bucket: .none).map(\.station))
        names.formUnion(try store.versions(limit: Int(Int32.max)).map(\.station))
        return names.sorted()
    }

    /// `given`, or the only known station. Usage error (64) when several are known or none is;
    /// exit 1 when `given` is unknown to both the log and the configuration (a typo would
    /// otherwise queue work nobody picks up).
    static func resolve(_ given: String?, store: VerdictStore, configPath: String) throws -> String {
        let known = try list(store)
        guard let given else {
            if known.count == 1 { return known[0] }
            throw ValidationError(known.isEmpty
                ? "--station: required (no station has inspections or model versions yet)"
                : "--station: required when several stations are known (\(known.joined(separator: ", ")))")
        }
        let configured = (try? InspectdConfiguration.load(path: configPath))?.stations.map(\.name) ?? []
        guard known.isEmpty || known.contains(given) || configured.contains(given) else {
            throw CLIFailure(CommandError("--station: unknown station '\(given)' (known: \(known.joined(separator: ", ")))"))
        }
        return given
    }
}
