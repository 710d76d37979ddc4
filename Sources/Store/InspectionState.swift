import Inspection

/// Where an image is in its life: queued → processing → done | error. `processing` rows left
/// behind by a crash go back to `queued` at start-up; done and error are final.
public enum InspectionState: String, Sendable, Codable, CaseIterable {
    case queued
    case processing
    case done
    case error
}
