import Foundation
import Inspection
import Store

/// `model activate` and `model rollback` print what ``VersionSwitch`` (the rule shared with
/// the web station) did; a refusal becomes exit status 1.
enum VersionActivation {
    /// The version `id` without blobs; `notFound` (exit 1) for an unknown id.
    static func summary(id: Int64, store: VerdictStore) throws -> ModelVersionRecord {
        try VersionSwitch.summary(id: id, store: store)
    }

    /// The station's active version without blobs, if it has one.
    static func active(station: String, store: VerdictStore) throws -> ModelVersionRecord? {
        try VersionSwitch.active(station: station, store: store)
    }

    /// Activates `target` and prints what changed. Already active → says so, changes nothing.
    static func activate(_ target: ModelVersionRecord, reason: String, store: VerdictStore) throws {
        let outcome: VersionSwitch.Outcome
        do {
            outcome = try VersionSwitch.activate(target, reason: reason, store: store, at: Date().timeIntervalSince1970)
        } catch let refusal as VersionSwitch.Refusal {
            throw CLIFailure(CommandError(refusal.description))
        }
        switch outcome {
        case .alreadyActive(let version):
            print("version \(version.id) is already active for station \(version.station); nothing changed")
        case .activated(let active, let previous):
            print("version \(active.id) is now active for station \(active.station) "
                  + "(was \(previous.map { "\($0)" } ?? "none")); inspectd switches within a few seconds")
        }
    }
}
