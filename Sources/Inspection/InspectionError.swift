import Engine

/// Every failure of the inspection domain. Each case names the file (or field) and the
/// offending value so an operator can act on the message alone; a bad image never takes the
/// process down, it becomes an error verdict.
public enum InspectionError: Error, Equatable, Sendable, CustomStringConvertible {
    // MARK: reading images
    /// The path could not be opened or read.
    case unreadableFile(path: String, reason: String)
    /// The path is a directory, device, FIFO or socket rather than a regular file.
    case notARegularFile(path: String, kind: String)
    /// The path is a symbolic link and links are not followed (or lead outside the folder).
    case symlink(path: String, reason: String)
    /// The file has zero bytes.
    case emptyFile(path: String)
    /// The file is larger than the configured byte budget.
    case fileTooLarge(path: String, bytes: Int, limit: Int)
    /// The content is not a JPEG or PNG (magic bytes shown).
    case notAnImage(path: String, detail: String)
    /// The extension says one format, the content another (e.g. a PNG named .jpg).
    case extensionMismatch(path: String, extension: String, detected: String)
    /// The image's header claims more pixels than the configured budget.
    case tooManyPixels(path: String, width: Int, height: Int, limit: Int)
    /// The data ends before the image does.
    case truncatedImage(path: String, detail: String)
    /// The decoder rejected the data (corrupt stream, unsupported variant).
    case corruptImage(path: String, detail: String)
    /// An image could not be encoded or written (overlay, map).
    case encodeFailed(path: String, reason: String)

    // MARK: verdict log (SQLite)
    /// The database file does not exist (readers never create it).
    case databaseMissing(path: String)
    /// The database is locked by another writer beyond the busy timeout.
    case databaseLocked(path: String)
    /// Any other SQLite failure (corrupt file, full disk, permissions, failed migration).
    case database(path: String, reason: String)
    /// A record asked for by id does not exist.
    case notFound(what: String, id: Int64)
    /// A defect mask that does not fit its image (size, not binary, unreadable).
    case invalidMask(path: String, reason: String)
    /// A label, dataset or few-shot input that cannot be used (names the item and why).
    case invalidLabel(item: String, reason: String)

    // MARK: model and scoring
    /// The engine reported a problem (checkpoint, prompts, shapes).
    case engine(EngineError)
    /// A configuration value or flag is out of range.
    case invalidSetting(name: String, value: String, reason: String)

    /// A stable snake_case name of the case, for JSON output and the verdict log.
    public var kind: String {
        switch self {
        case .unreadableFile: return "unreadable_file"
        case .notARegularFile: return "not_a_regular_file"
        case .symlink: return "symlink"
        case .emptyFile: return "empty_file"
        case .fileTooLarge: return "file_too_large"
        case .notAnImage: return "not_an_image"
        case .extensionMismatch: return "extension_mismatch"
        case .tooManyPixels: return "too_many_pixels"
        case .truncatedImage: return "truncated_image"
        case .corruptImage: return "corrupt_image"
        case .encodeFailed: return "encode_failed"
        case .engine: return "engine"
        case .invalidSetting: return "invalid_setting"
        case .databaseMissing: return "database_missing"
        case .databaseLocked: return "database_locked"
        case .database: return "database"
        case .notFound: return "not_found"
        case .invalidMask: return "invalid_mask"
        case .invalidLabel: return "invalid_label"
        }
    }

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason): return "\(path): cannot read: \(reason)"
        case let .notARegularFile(path, kind): return "\(path): not a regular file (\(kind))"
        case let .symlink(path, reason): return "\(path): symbolic link not read: \(reason)"
        case let .emptyFile(path): return "\(path): empty file (0 bytes)"
        case let .fileTooLarge(path, bytes, limit): return "\(path): \(bytes) bytes exceeds the limit of \(limit) bytes"
        case let .notAnImage(path, detail): return "\(path): not a JPEG or PNG image (\(detail))"
        case let .extensionMismatch(path, ext, detected):
            return "\(path): extension .\(ext) but the content is \(detected); rename the file or fix the camera's output format"
        case let .tooManyPixels(path, width, height, limit):
            return "\(path): \(width)x\(height) = \(width * height) pixels exceeds max_pixels \(limit)"
        case let .truncatedImage(path, detail): return "\(path): truncated image: \(detail)"
        case let .corruptImage(path, detail): return "\(path): corrupt image: \(detail)"
        case let .encodeFailed(path, reason): return "\(path): cannot write image: \(reason)"
        case let .databaseMissing(path):
            return "\(path): database not found (is inspectd running, and is --db / database = right?)"
        case let .databaseLocked(path): return "\(path): database is locked by another process; try again"
        case let .database(path, reason): return "\(path): database error: \(reason)"
        case let .notFound(what, id): return "no \(what) with id \(id)"
        case let .invalidMask(path, reason): return "\(path): invalid defect mask: \(reason)"
        case let .invalidLabel(item, reason): return "\(item): \(reason)"
        case let .engine(error): return error.description
        case let .invalidSetting(name, value, reason): return "\(name): \(reason) (got \(value))"
        }
    }
}
