import Engine
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The content fingerprint of an image file: part of the verdict log's dedup key, so a file
/// rewritten with new content is inspected again while a re-scan of unchanged files is not.
public enum ContentHash {
    /// Bytes read per read(2) call; one buffer serves the whole file.
    static let chunkSize = 1 << 20

    /// SHA-256 of the file's bytes as lowercase hex; anything but a regular file is rejected
    /// before the first read (`RegularFile`), and so is a symbolic link with
    /// `followSymlinks: false`.
    public static func sha256(file path: String, followSymlinks: Bool = true) throws -> String {
        let file = try RegularFile.open(path, followSymlinks: followSymlinks)
        defer { file.close() }
        let fd = file.descriptor

        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
        defer { buffer.deallocate() }
        guard let base = buffer.baseAddress else {
            throw InspectionError.unreadableFile(path: path, reason: "no read buffer")
        }
        var hasher = SHA256()
        while true {
            let n = read(fd, base, chunkSize)
            if n > 0 {
                hasher.update(UnsafeRawBufferPointer(start: base, count: n))
                ProgressTick.tick() // a checkpoint's hash takes seconds; see ProgressTick
            } else if n == 0 {
                break
            } else {
                let code = errno
                if code == EINTR { continue }
                throw InspectionError.unreadableFile(path: path, reason: ImageDecoder.errnoText(code))
            }
        }
        return hex(hasher.finalize())
    }

    /// SHA-256 of `bytes` as lowercase hex.
    public static func sha256(_ bytes: [UInt8]) -> String {
        var hasher = SHA256()
        hasher.update(bytes)
        return hex(hasher.finalize())
    }

    static func hex(_ digest: [UInt8]) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(digest.count * 2)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
