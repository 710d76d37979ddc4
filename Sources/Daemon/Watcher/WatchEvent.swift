/// What `FolderWatcher.readEvents()` reports.
public enum WatchEvent: Sendable, Equatable {
    /// A matching regular file was closed after writing, renamed into a station, or found in a
    /// subfolder that appeared.
    case ready(ReadyFile)
    /// Events may have been missed: the kernel's queue overflowed, or a station folder itself
    /// was removed or moved away. Only a full `scan()` can tell what was missed (and it throws
    /// if a station folder is still gone).
    case overflow
}
