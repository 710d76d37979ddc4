/// Why an image's bytes were kept in the evidence store: it was labelled, or its verdict was
/// one the station keeps (`keep_evidence`). Labelled images are the ones few-shot fitting and
/// retraining read back after `after = "move"|"delete"` took the original away; keeping
/// review and fail images as well lets QA label them later, after they left the folder.
public enum EvidenceReason: String, Sendable, CaseIterable, Codable {
    case labelled
    case pass
    case review
    case fail

    /// The reason a verdict gives.
    public init(verdict: Verdict) {
        switch verdict {
        case .pass: self = .pass
        case .review: self = .review
        case .fail: self = .fail
        }
    }

    /// What a station keeps without `keep_evidence`: the labelled images only.
    public static let defaultKept: Set<EvidenceReason> = [.labelled]
}
