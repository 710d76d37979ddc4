/// One labeled image with its frozen image side: encoded once, then reused by every epoch and
/// by the evaluation of every prompt set.
public struct TrainingExample: Sendable {
    /// `labels.id`.
    public var labelID: Int64
    /// The label's content hash (the split is keyed on it, so relabels keep their side).
    public var contentHash: String
    public var image: LabeledImage
    /// Zero-shot result with the inspector that encoded it (its `encoding` is the image side).
    public var result: InspectionResult
    /// Ground truth at the map size (0/1), when known: all zero for good images, the projected
    /// mask for defects with one; nil for defects without a mask.
    public var mask: [Float]?

    public init(labelID: Int64, contentHash: String, image: LabeledImage, result: InspectionResult, mask: [Float]?) {
        self.labelID = labelID
        self.contentHash = contentHash
        self.image = image
        self.result = result
        self.mask = mask
    }
}
