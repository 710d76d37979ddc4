import Inspection

/// What the web station's verdict list asks for: ``VerdictFilter`` (time, station, verdict,
/// minimum score) plus the filters QA pages by — score ceiling, predicted defect class,
/// labelled or not — and a page. Kept apart from ``VerdictFilter`` so the CLI's filter stays
/// what `inspectctl verdicts` documents.
public struct BrowseFilter: Sendable {
    public var base: VerdictFilter
    /// score < maxScore (rows without a score never match).
    public var maxScore: Double?
    /// The predicted defect class.
    public var defectClass: String?
    /// true: the content has a current label; false: it has none; nil: either.
    public var labelled: Bool?
    /// Rows skipped before the page.
    public var offset: Int = 0

    public init(base: VerdictFilter = VerdictFilter(), maxScore: Double? = nil, defectClass: String? = nil,
                labelled: Bool? = nil, offset: Int = 0) {
        self.base = base
        self.maxScore = maxScore
        self.defectClass = defectClass
        self.labelled = labelled
        self.offset = offset
    }
}
