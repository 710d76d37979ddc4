/// What QA says an image is. Only two values on purpose: the anomaly model is calibrated on
/// good versus defective, and the defect type, when known, lives in ``Label/defectClass``.
public enum LabelKind: String, Sendable, Codable, CaseIterable {
    case good
    case defect
}
