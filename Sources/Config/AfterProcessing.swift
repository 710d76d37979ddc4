/// What happens to an image file once its verdict is logged. Keeping is the default because
/// deleting or moving files a camera PC still owns must be an explicit decision.
public enum AfterProcessing: Sendable, Equatable {
    /// Leave the file where it is (the verdict log remembers it was scored).
    case keep
    /// Remove the file.
    case delete
    /// Move the file into this absolute folder, which is never inside a watched folder.
    case move(to: String)
}
