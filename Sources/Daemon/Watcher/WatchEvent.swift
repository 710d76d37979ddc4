/// What `FolderWatcher.readEvents()` reports.
public enum WatchEvent: Sendable, Equatable {
    /// A matching regular file was closed after writing or renamed into a station: complete.
    case ready(ReadyFile)
    /// A matching regular file found in a subfolder that just appeared. Unlike `.ready` it may
    /// still be open for writing (its close event, if any, follows), so treat it like a scan result.
    case found(ReadyFile)
    /// Events may have been missed: the kernel's queue overflowed, or a station folder itself
    /// was removed or moved away. Only a full `scan()` can tell what was missed (and it throws
    /// if a station folder is still gone).
    case overflow
}
