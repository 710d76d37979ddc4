import Foundation
import Inspection
import Store

/// The one way `model activate` and `model rollback` switch a station's version: refuse a
/// version made for another base (other weights, text side or scoring settings, whose
/// prompts and thresholds would be meaningless), then flip the status in one transaction.
/// Versions are looked up without their blobs; only the store's activation reads them.
enum VersionActivation {
    /// The version `id` without blobs; `notFound` (exit 1) for an unknown id.
    static func summary(id: Int64, store: VerdictStore) throws -> ModelVersionRecord {
        guard let found = try store.versions(limit: Int(Int32.max)).first(where: { $0.id == id }) else {
            throw InspectionError.notFound(what: "model version", id: id)
        }
        return found
    }

    /// The station's active version without blobs, if it has one.
    static func active(station: String, store: VerdictStore) throws -> ModelVersionRecord? {
        try store.versions(station: station, limit: Int(Int32.max)).first { $0.status == .active }
    }

    /// Activates `target` and prints what changed. Already active → says so, changes nothing.
    static func activate(_ target: ModelVersionRecord, reason: String, store: VerdictStore) throws {
        if target.status == .active {
            print("version \(target.id) is already active for station \(target.station); nothing changed")
            return
        }
        let current = try active(station: target.station, store: store)
        if let current, current.base != target.base {
            throw CLIFailure(CommandError(
                "version \(target.id) was made for another model or configuration (base \(target.base)) than station "
                + "\(target.station)'s active version \(current.id) (base \(current.base)); refusing to activate it"))
        }
        let result = try store.activateVersion(id: target.id, reason: reason, at: Date().timeIntervalSince1970)
        print("version \(result.active.id) is now active for station \(result.active.station) "
              + "(was \(result.previous.map { "\($0)" } ?? "none")); inspectd switches within a few seconds")
    }
}
