import Foundation
import Glibc
import Inspection
import Store
import Testing

/// The evidence folder on real file systems: a hard link on the same one, a copy across a
/// tmpfs mount (EXDEV; root only, skipped with a message otherwise), verified content either
/// way, and labels that never take the new bytes of a file rewritten at their path.
@Suite struct EvidenceStoreTests {
    let root: String
    let evidence: EvidenceStore

    init() throws {
        root = NSTemporaryDirectory() + "inspectd-evidence-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root + "/camera", withIntermediateDirectories: true)
        evidence = EvidenceStore(directory: root + "/state/evidence")
    }

    private func image(_ seed: UInt8) throws -> [UInt8] {
        let side = 16
        let pixels = (0..<(side * side * 3)).map { UInt8(truncatingIfNeeded: $0 &* Int(seed) &+ 3) }
        return try PNGEncoder.encodeRGB8(RGBImage(width: side, height: side, pixels: pixels))
    }

    private func write(_ bytes: [UInt8], _ path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    private func links(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_nlink) : -1
    }

    private func mode(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_mode & 0o7777) : -1
    }

    @Test func sameFileSystemLinksAndACopyIs0640() throws {
        let bytes = try image(1)
        let source = root + "/camera/a.png"
        try write(bytes, source)
        let hash = ContentHash.sha256(bytes)
        #expect(try evidence.keep(file: source, contentHash: hash, link: true) == .link)
        #expect(links(source) == 2 && evidence.verifiedBytes(hash) == bytes)
        #expect(mode(evidence.directory) == 0o750 && mode((evidence.path(for: hash) as NSString).deletingLastPathComponent) == 0o750)
        #expect(try evidence.keep(file: source, contentHash: hash, link: true) == .present)

        // The original goes (after = "delete"): the evidence keeps the bytes.
        unlink(source)
        #expect(evidence.verifiedBytes(hash) == bytes)

        let other = try image(2)
        try write(other, root + "/camera/b.png")
        let otherHash = ContentHash.sha256(other)
        #expect(try evidence.keep(file: root + "/camera/b.png", contentHash: otherHash, link: false) == .copy)
        #expect(links(root + "/camera/b.png") == 1 && mode(evidence.path(for: otherHash)) == 0o640)
        #expect(try evidence.keep(bytes: try image(3), contentHash: ContentHash.sha256(try image(3))) == .copy)
        // Nothing half-written is left beside the entries.
        let names = try FileManager.default.subpathsOfDirectory(atPath: evidence.directory)
        #expect(!names.contains { $0.contains(".tmp-") }, "\(names)")
    }

    @Test func anotherFileSystemIsCopied() throws {
        let disk = try SmallDisk(megabytes: 4)
        guard disk.mounted else {
            print("skipped: mounting a tmpfs needs root (EXDEV case of EvidenceStoreTests not run)")
            return
        }
        let bytes = try image(4)
        let source = disk.folder + "/a.png"
        try write(bytes, source)
        let hash = ContentHash.sha256(bytes)
        #expect(link(source, root + "/probe") != 0 && errno == EXDEV, "the tmpfs is another file system")
        #expect(try evidence.keep(file: source, contentHash: hash, link: true) == .copy)
        #expect(links(source) == 1 && mode(evidence.path(for: hash)) == 0o640 && evidence.verifiedBytes(hash) == bytes)
    }

    @Test func contentOtherThanTheLabelledIsNeverKeptNorRead() throws {
        let labelled = try image(5)
        let hash = ContentHash.sha256(labelled)
        let path = root + "/camera/part.png"
        // The camera already rewrote the file: keeping it as that content is refused.
        try write(try image(6), path)
        #expect(throws: StoreError.self) { try evidence.keep(file: path, contentHash: hash, link: true) }
        #expect(throws: StoreError.self) { try evidence.keep(bytes: try image(6), contentHash: hash) }
        #expect(!evidence.contains(hash))

        let label = Label(id: 1, inspectionID: 1, station: "s", path: path, contentHash: hash, kind: .good, defectClass: nil,
                          note: nil, mask: nil, author: "qa", createdAt: 0, supersededAt: nil, source: "cli")
        let decoder = ImageDecoder()
        // Overwritten at its path, no evidence: an error naming the path and the change.
        do {
            _ = try evidence.labeledImage(label).readBytes(decoder: decoder)
            Issue.record("read the new bytes of an overwritten file")
        } catch let InspectionError.unreadableFile(errorPath, reason) {
            #expect(errorPath == path && reason.contains("content changed since it was labelled"), "\(reason)")
        }
        // With evidence: the labelled bytes, whatever is at the path.
        try evidence.keep(bytes: labelled, contentHash: hash)
        #expect(try evidence.labeledImage(label).readBytes(decoder: decoder) == labelled)
        unlink(path)
        #expect(try evidence.labeledImage(label).readBytes(decoder: decoder) == labelled)

        // Damaged evidence is not trusted: the path is used only if it holds the content again.
        try write([0x89, 0x50], evidence.path(for: hash))
        #expect(!evidence.contains(hash))
        #expect(throws: InspectionError.self) { try evidence.labeledImage(label).readBytes(decoder: decoder) }
        try write(labelled, path)
        #expect(try evidence.labeledImage(label).readBytes(decoder: decoder) == labelled)
    }
}
