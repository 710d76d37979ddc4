/// One defect type QA wants reported, as configured (e.g. `scratch = "a thin bright line ..."`).
/// The description is what the text tower reads, so it should say what the defect looks like.
public struct DefectClass: Sendable, Codable, Equatable {
    /// Name reported in predictions and used as the training label.
    public var name: String
    /// Visual description; the zero-shot weights are built from it.
    public var description: String

    public init(name: String, description: String) {
        self.name = name
        self.description = description
    }
}
