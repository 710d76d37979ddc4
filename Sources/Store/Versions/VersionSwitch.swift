import Inspection

/// The one way a person switches a station's model version (`inspectctl model activate /
/// rollback` and the web station): refuse a version made for another base (other weights,
/// text side or scoring settings, whose prompts and thresholds would be meaningless), then
/// flip the status in one transaction. Versions are looked up without their blobs.
public enum VersionSwitch {
    /// What an activation did.
    public enum Outcome: Sendable, Equatable {
        /// The version was already active; nothing changed.
        case alreadyActive(ModelVersionRecord)
        /// `active` is now in force; `previous` is the id it replaced.
        case activated(active: ModelVersionRecord, previous: Int64?)
    }

    /// A refused switch, with the sentence people read.
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The version `id` without blobs; `notFound` for an unknown id.
    public static func summary(id: Int64, store: VerdictStore) throws -> ModelVersionRecord {
        guard let found = try store.versions(limit: Int(Int32.max)).first(where: { $0.id == id }) else {
            throw InspectionError.notFound(what: "model version", id: id)
        }
        return found
    }

    /// The station's active version without blobs, if it has one.
    public static func active(station: String, store: VerdictStore) throws -> ModelVersionRecord? {
        try store.versions(station: station, limit: Int(Int32.max)).first { $0.status == .active }
    }

    /// Activates `target` unless it is active already or made for another base (``Refusal``).
    public static func activate(_ target: ModelVersionRecord, reason: String, store: VerdictStore,
                                at time: Double) throws -> Outcome {
        if target.status == .active { return .alreadyActive(target) }
        if let current = try active(station: target.station, store: store), current.base != target.base {
            throw Refusal(description:
                "version \(target.id) was made for another model or configuration (base \(target.base)) than station "
                + "\(target.station)'s active version \(current.id) (base \(current.base)); refusing to activate it")
        }
        let result = try store.activateVersion(id: target.id, reason: reason, at: time)
        return .activated(active: result.active, previous: result.previous)
    }

    /// The version a rollback of `station` would activate: the one it ran before.
    public static func rollbackTarget(station: String, store: VerdictStore) throws -> ModelVersionRecord? {
        do {
            return try store.previousVersion(station: station)
        } catch InspectionError.notFound {
            return nil
        }
    }

    /// The reason recorded with a rollback.
    public static func rollbackReason(station: String, store: VerdictStore) throws -> String {
        try active(station: station, store: store).map { "rollback from version \($0.id)" } ?? "rollback (no version was active)"
    }
}
