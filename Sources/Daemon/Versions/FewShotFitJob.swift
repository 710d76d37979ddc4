import Engine
import Inspection
import Store

/// One station's few-shot parts to fit in the background: everything the worker thread needs,
/// read from the store on the loop beforehand, so the worker never touches the database.
struct FewShotFitJob: Sendable {
    /// What the fitted parts become.
    enum Target: Sendable {
        /// A new `configured` version (the configured text side), activated when ready.
        case newVersion(reason: String)
        /// The pruned few-shot parts of an existing version, stored back into it.
        case refitParts(ModelVersionRecord)
    }

    let base: VersionLoader.Base
    let target: Target
    /// The inspector the station runs meanwhile, which has the text side the fitted parts go
    /// with; the worker copies it with an encoder of its own (`Inspector.withOwnEncoder`).
    let inspector: Inspector
    /// The label rows fitted on (their ids go into the version).
    let labels: [Label]
    /// `labels` as the images the encoder reads.
    let images: [LabeledImage]
    /// Recent unlabelled images judged `fail`, for the zero-shot refinement (may be empty).
    let unlabelled: [String]
    let settings: FewShotSettings
    /// Encodings of this base kept from earlier fits (nil: encode every image).
    let cache: EncodingCache?
    /// The station's active version id in the database when the fit was planned: a different
    /// one later means someone activated a version meanwhile, and the fit is dropped.
    let activeAtPlan: Int64?

    var station: String { base.station.name }

    /// Identifies what is fitted (base, target, label ids), so a restart that plans the same
    /// fit counts it as another attempt of it.
    var key: String {
        let ids = labels.map(\.id).sorted().map(String.init).joined(separator: ",")
        let what: String
        switch target {
        case .newVersion: what = "new"
        case let .refitParts(version): what = "refit v\(version.id)"
        }
        return "\(base.id)|\(what)|labels \(labels.count) sha256 \(ContentHash.sha256(Array(ids.utf8)).prefix(16))"
    }
}
