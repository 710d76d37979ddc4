import Inspection

/// The `[evidence]` table: which images keep their bytes in the evidence folder beside the
/// database (`evidence/`), and how large that folder may grow. Labelled images are always
/// kept and never removed; `keep` adds the verdicts whose images QA may want to label after
/// `after = "move"|"delete"` took them away.
public struct EvidenceSettings: Sendable, Equatable {
    /// What stations without their own `keep_evidence` keep (always including `labelled`).
    public var keep: Set<EvidenceReason> = EvidenceReason.defaultKept
    /// Cap of the evidence folder in MiB; the oldest unprotected entries go first. Labelled
    /// images and those a version was fitted on are never removed, even over the cap.
    public var maxMB = 4096
    /// Unprotected entries (kept for a verdict, never labelled) older than this are removed;
    /// nil (`max_days = 0`) keeps them until the cap needs the room.
    public var maxDays: Double? = 30

    public init() {}

    /// The cap in bytes.
    public var maxBytes: Int { maxMB << 20 }
}
