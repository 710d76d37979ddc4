/// One labeled sample for few-shot fitting: a file, good or defect, and the defect type.
public struct LabeledImage: Sendable, Equatable {
    /// Image file.
    public var path: String
    /// True for a defect label.
    public var isDefect: Bool
    /// Defect type, when known.
    public var defectClass: String?

    /// A sample.
    public init(path: String, isDefect: Bool, defectClass: String? = nil) {
        self.path = path
        self.isDefect = isDefect
        self.defectClass = defectClass
    }
}
