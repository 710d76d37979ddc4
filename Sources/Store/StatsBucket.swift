import Inspection

/// How ``VerdictStore/stats(_:bucket:)`` slices time: not at all, or by UTC hour / UTC day.
public enum StatsBucket: String, Sendable, CaseIterable {
    case none
    case hour
    case day

    /// Bucket width in seconds; nil for `none`.
    public var seconds: Double? {
        switch self {
        case .none: return nil
        case .hour: return 3600
        case .day: return 86400
        }
    }
}
