/// Which of a checkpoint's towers a `CLIPModel` keeps in memory.
public enum TowerResidency: Sendable, Equatable {
    /// Both towers converted at load and kept (tools, training, tests).
    case both
    /// The inspecting process: nothing is converted at load; the image tower is converted on
    /// first use and kept, the text tower is converted from the (still mapped) checkpoint each
    /// time text vectors are computed and dropped afterwards. The fp32 text tower of ViT-L/14 is
    /// ~0.5 GB that a daemon only needs for a few seconds at start-up, reload or version switch.
    case visionOnly
}
