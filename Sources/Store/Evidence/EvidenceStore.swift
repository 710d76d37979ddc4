import Foundation
import Inspection
#if canImport(Glibc)
import Glibc
#endif

/// The content-addressed folder of image bytes that labels (and, per station, review and fail
/// verdicts) keep, beside the database: `evidence/<first two hex digits>/<SHA-256>`. A label
/// names content, and `after = "move"|"delete"` or a camera rewriting a file takes that
/// content away from its path; refits, retraining, overlays and exports read it here instead.
///
/// Keeping a file is atomic (temporary name, fsync, rename, fsync of the folder) and verified:
/// the kept bytes hash to the key or nothing is kept. A hard link is used where allowed and
/// possible (same file system; files no camera writes to any more), a copy otherwise.
/// Copies are 0640, owned like the database when run as root; folders 0750. A hard link shares
/// its inode (and so its mode) with the original; the 0750 folder is what guards it.
public struct EvidenceStore: Sendable {
    /// The evidence folder.
    public let directory: String
    /// Owner and group for new files and folders when running as root (the database's).
    let owner: (uid: uid_t, gid: gid_t)?

    /// How a file was kept.
    public enum Kept: String, Sendable {
        /// A hard link to the original inode.
        case link
        /// A copy of the bytes.
        case copy
        /// The content was already there.
        case present
    }

    /// The evidence folder of a database: `evidence` beside it.
    public static func directory(forDatabase database: String) -> String {
        URL(fileURLWithPath: database).deletingLastPathComponent().appendingPathComponent("evidence").path
    }

    /// The evidence store of the database at `databasePath`; new files get the database's
    /// owner and group when this process runs as root (e.g. `sudo inspectctl label`).
    public init(databasePath: String) {
        var info = stat()
        let owned = geteuid() == 0 && stat(databasePath, &info) == 0
        self.init(directory: Self.directory(forDatabase: databasePath), owner: owned ? (info.st_uid, info.st_gid) : nil)
    }

    /// An evidence store in `directory`.
    public init(directory: String, owner: (uid: uid_t, gid: gid_t)? = nil) {
        self.directory = directory
        self.owner = owner
    }

    /// Where the bytes of `contentHash` are (or would be) kept.
    public func path(for contentHash: String) -> String {
        "\(directory)/\(contentHash.prefix(2))/\(contentHash)"
    }

    /// The kept bytes of `contentHash`, only when they still hash to it.
    public func verifiedBytes(_ contentHash: String) -> [UInt8]? {
        guard let bytes = try? Self.readAll(path(for: contentHash)), ContentHash.sha256(bytes) == contentHash else {
            return nil
        }
        return bytes
    }

    /// Whether sound bytes of `contentHash` are kept.
    public func contains(_ contentHash: String) -> Bool { verifiedBytes(contentHash) != nil }

    /// The labelled image `label` as few-shot fitting reads it: this store's copy first.
    public func labeledImage(_ label: Label) -> LabeledImage {
        LabeledImage(path: label.path, isDefect: label.kind == .defect, defectClass: label.defectClass,
                     contentHash: label.contentHash, evidencePath: path(for: label.contentHash))
    }

    /// Keeps `bytes`, which must hash to `contentHash`, as a copy.
    @discardableResult
    public func keep(bytes: [UInt8], contentHash: String) throws -> Kept {
        guard ContentHash.sha256(bytes) == contentHash else {
            throw StoreError.evidence(path: path(for: contentHash), reason: "the bytes to keep do not hash to \(contentHash.prefix(12))")
        }
        if contains(contentHash) { return .present }
        let (temporary, final) = try prepare(contentHash)
        try writeCopy(bytes, to: temporary)
        try commit(temporary, final)
        return .copy
    }

    /// Keeps the file at `source`, which must hold `contentHash`: a hard link when `link` is
    /// allowed and the file system agrees (same file system, link permitted), else a copy of
    /// the bytes read from it. A source that does not hold that content is refused.
    @discardableResult
    public func keep(file source: String, contentHash: String, link: Bool) throws -> Kept {
        if contains(contentHash) { return .present }
        let (temporary, final) = try prepare(contentHash)
        if link, Glibc.link(source, temporary) == 0 {
            // The link names whatever inode `source` is now: check it is the labelled content.
            let linked = try? Self.readAll(temporary)
            if let linked, ContentHash.sha256(linked) == contentHash, Self.sync(temporary) {
                try commit(temporary, final)
                return .link
            }
            unlink(temporary)
        } else if link, ![EXDEV, EPERM, EMLINK, EACCES, ENOTSUP, EOPNOTSUPP].contains(errno) {
            let code = errno
            throw StoreError.evidence(path: source, reason: "cannot link into \(directory): \(String(cString: strerror(code)))")
        }
        let bytes: [UInt8]
        do {
            bytes = try Self.readAll(source)
        } catch {
            throw StoreError.evidence(path: source, reason: "cannot read it to keep as evidence: \(error)")
        }
        guard ContentHash.sha256(bytes) == contentHash else {
            throw StoreError.evidence(path: source, reason: "no longer holds content \(contentHash.prefix(12)); not kept as evidence")
        }
        try writeCopy(bytes, to: temporary)
        try commit(temporary, final)
        return .copy
    }

    /// Removes the kept bytes of `contentHash` (missing is fine).
    public func remove(_ contentHash: String) {
        unlink(path(for: contentHash))
    }

    // MARK: files

    /// Creates the folders and picks a temporary name beside the final one.
    private func prepare(_ contentHash: String) throws -> (temporary: String, final: String) {
        let final = path(for: contentHash)
        let folder = (final as NSString).deletingLastPathComponent
        var parent = stat()
        if stat(directory, &parent) != 0 {
            // The state folder is made by systemd (StateDirectory=) or the database; be lenient elsewhere.
            try? FileManager.default.createDirectory(atPath: (directory as NSString).deletingLastPathComponent,
                                                     withIntermediateDirectories: true)
        }
        for dir in [directory, folder] where mkdir(dir, 0o750) == 0 {
            chmod(dir, 0o750)
            if let owner { chown(dir, owner.uid, owner.gid) }
        }
        var info = stat()
        guard stat(folder, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw StoreError.evidence(path: folder, reason: "cannot create the evidence folder: \(String(cString: strerror(errno)))")
        }
        return ("\(folder)/.\(contentHash).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))", final)
    }

    private func writeCopy(_ bytes: [UInt8], to temporary: String) throws {
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw StoreError.evidence(path: temporary, reason: "cannot create: \(String(cString: strerror(errno)))")
        }
        var failure: Int32 = 0
        var written = 0
        bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = write(fd, raw.baseAddress.map { $0 + written }, raw.count - written)
                if n < 0 { if errno == EINTR { continue }; failure = errno; return }
                written += n
            }
        }
        if failure == 0 && fchmod(fd, 0o640) != 0 { failure = errno }
        if failure == 0, let owner { fchown(fd, owner.uid, owner.gid) }
        if failure == 0 && fsync(fd) != 0 { failure = errno }
        close(fd)
        if failure != 0 {
            unlink(temporary)
            throw StoreError.evidence(path: temporary, reason: "cannot write evidence: \(String(cString: strerror(failure)))")
        }
    }

    /// Renames into place and syncs the folder, so the entry survives a power cut.
    private func commit(_ temporary: String, _ final: String) throws {
        guard rename(temporary, final) == 0 else {
            let code = errno
            unlink(temporary)
            throw StoreError.evidence(path: final, reason: "cannot rename evidence into place: \(String(cString: strerror(code)))")
        }
        _ = Self.sync((final as NSString).deletingLastPathComponent)
    }

    /// fsync of a file or folder; false when it failed.
    private static func sync(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return fsync(fd) == 0
    }

    static func readAll(_ path: String) throws -> [UInt8] {
        try ImageDecoder(limits: DecodeLimits(maxFileBytes: 1 << 30)).read(file: path, followSymlinks: false)
    }
}
