/// `kind = "file"`.
public struct FileOutputSettings: Sendable, Equatable {
    /// Absolute; need not exist at start (a missing folder is a retried failure).
    public var folder: String
    /// Newest documents kept in the folder; nil = no limit.
    public var keepCount: Int?
    /// Seconds a document is kept; nil = no limit.
    public var keepAge: Double?
    /// Seconds between retries after a failed write.
    public var retryInterval: Double = 5

    public init(folder: String, keepCount: Int? = nil, keepAge: Double? = nil) {
        self.folder = folder
        self.keepCount = keepCount
        self.keepAge = keepAge
    }
}
