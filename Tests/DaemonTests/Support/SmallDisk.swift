import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real small file system for disk-full tests: a tmpfs of `megabytes` mounted on a folder
/// (a fresh one, or `folder`, which must be empty), unmounted at the end. Mounting needs
/// root; `mounted` says whether it worked, and tests skip with a message otherwise.
final class SmallDisk {
    let folder: String
    private(set) var mounted = false
    private let ownsFolder: Bool

    init(megabytes: Int, at folder: String? = nil) throws {
        ownsFolder = folder == nil
        self.folder = folder ?? NSTemporaryDirectory() + "inspectd-tmpfs-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: self.folder, withIntermediateDirectories: true)
        guard getuid() == 0 else { return }
        mounted = mount("tmpfs", self.folder, "tmpfs", 0, "size=\(megabytes)m,mode=0755") == 0
    }

    /// Writes a filler file until the file system is full.
    func fill() {
        let fd = open(folder + "/filler", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        defer { close(fd) }
        let block = [UInt8](repeating: 0x55, count: 64 * 1024)
        while block.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
        fsync(fd)
    }

    /// Removes the filler: space is back.
    func free() { unlink(folder + "/filler") }

    deinit {
        if mounted { umount2(folder, Int32(MNT_DETACH)) }
        if ownsFolder { try? FileManager.default.removeItem(atPath: folder) }
    }
}
