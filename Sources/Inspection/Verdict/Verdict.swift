/// The line's answer for one image.
public enum Verdict: String, Sendable, Codable, CaseIterable {
    /// Score below the review threshold.
    case pass
    /// Score in the uncertainty band: a person should look.
    case review
    /// Score at or above the fail threshold.
    case fail
}
