/// The image formats inspectd reads. Detection goes by content, never by name: camera PCs
/// save PNGs as .jpg often enough that trusting the extension would mis-decode them.
public enum ImageFormat: String, Sendable {
    case jpeg
    case png

    private static let jpegMagic: [UInt8] = [0xFF, 0xD8, 0xFF]
    private static let pngMagic: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The format whose signature starts `bytes`, or nil (also for input shorter than a signature).
    public static func detect(_ bytes: UnsafeRawBufferPointer) -> ImageFormat? {
        if hasPrefix(bytes, pngMagic) { return .png }
        if hasPrefix(bytes, jpegMagic) { return .jpeg }
        return nil
    }

    /// The format a file extension promises (without the dot, any case); nil for extensions
    /// that promise nothing, which are allowed because the watcher already filters by pattern.
    public static func expected(forExtension ext: String) -> ImageFormat? {
        switch ext.lowercased() {
        case "jpg", "jpeg", "jpe", "jfif": return .jpeg
        case "png": return .png
        default: return nil
        }
    }

    /// The extension of the last path component ("a/b.tar.PNG" → "PNG"); nil when there is
    /// none, including dot-files such as ".png".
    static func fileExtension(of name: String) -> String? {
        let base = name.split(separator: "/", omittingEmptySubsequences: false).last ?? Substring(name)
        guard let dot = base.lastIndex(of: "."), dot != base.startIndex else { return nil }
        let ext = base[base.index(after: dot)...]
        return ext.isEmpty ? nil : String(ext)
    }

    /// What an operator needs to recognise a non-image: the leading bytes in hex, the size, and
    /// a guess when the signature is one a camera tool commonly writes instead.
    /// What a file that is neither JPEG nor PNG seems to be. Never its bytes: the content of
    /// something that is not an image (a key, a password file) is not evidence and must not
    /// reach the log or the database.
    static func describeUnknown(_ bytes: UnsafeRawBufferPointer) -> String {
        var detail = "unknown format, \(bytes.count) bytes"
        if let guess = guessOtherFormat(bytes) { detail += ", looks like \(guess)" }
        return detail
    }

    private static func guessOtherFormat(_ bytes: UnsafeRawBufferPointer) -> String? {
        if hasPrefix(bytes, [0x49, 0x49, 0x2A, 0x00]) || hasPrefix(bytes, [0x4D, 0x4D, 0x00, 0x2A]) { return "TIFF" }
        if hasPrefix(bytes, [0x42, 0x4D]) { return "BMP" }
        if hasPrefix(bytes, [0x47, 0x49, 0x46, 0x38]) { return "GIF" }
        if hasPrefix(bytes, [0x52, 0x49, 0x46, 0x46]), bytes.count >= 12,
           bytes[8] == 0x57, bytes[9] == 0x45, bytes[10] == 0x42, bytes[11] == 0x50 { return "WebP" }
        if hasPrefix(bytes, [0xFF, 0xD8]) { return "a JPEG start without a marker" }
        return nil
    }

    private static func hasPrefix(_ bytes: UnsafeRawBufferPointer, _ magic: [UInt8]) -> Bool {
        guard bytes.count >= magic.count else { return false }
        for (index, byte) in magic.enumerated() where bytes[index] != byte { return false }
        return true
    }
}
