import Foundation
@testable import Inspection
@testable import Store
import Testing
import TestSupport

@Suite struct StoreContentHashTests {
    /// FIPS 180-4 / NIST example vectors.
    static let vectors: [(String, String)] = [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ]

    @Test func standardVectors() {
        for (message, digest) in Self.vectors {
            #expect(ContentHash.sha256(Array(message.utf8)) == digest, "message \(message.utf8.count) bytes")
        }
    }

    @Test func oneMillionA() {
        let bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(ContentHash.sha256(bytes) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Padding edge cases (55, 56, 63, 64, 65 bytes…) and arbitrary update splits must agree with
    /// the one-shot hash; the splits exercise the partial-block path the file reader relies on.
    @Test func updateSplitsAgreeWithOneShot() {
        let message = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for length in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 200, 300] {
            let whole = Array(message.prefix(length))
            var oneShot = SHA256()
            oneShot.update(whole)
            let expected = oneShot.finalize()
            for split in [1, 3, 63, 64, 65] {
                var hasher = SHA256()
                var offset = 0
                while offset < whole.count {
                    let end = min(offset + split, whole.count)
                    hasher.update(Array(whole[offset..<end]))
                    offset = end
                }
                #expect(hasher.finalize() == expected, "length \(length) split \(split)")
            }
        }
    }

    @Test func fileMatchesSha256sum() throws {
        let scratch = try StoreScratch()
        // Crosses two 1 MiB read chunks and ends in a partial block.
        let count = 2 * ContentHash.chunkSize + 12_345
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let bytes = (0..<count).map { _ -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        let path = scratch.path("random.bin")
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha256sum", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "sha256sum not available")
        let expected = String(decoding: output, as: UTF8.self).split(separator: " ").first.map(String.init)

        #expect(try ContentHash.sha256(file: path) == expected)
        #expect(ContentHash.sha256(bytes) == expected)
    }

    @Test func emptyFileHashesLikeEmptyMessage() throws {
        let scratch = try StoreScratch()
        let path = scratch.path("empty.bin")
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        #expect(try ContentHash.sha256(file: path) == Self.vectors[0].1)
    }

    @Test func rejectsDirectoriesFIFOsAndMissingFiles() throws {
        let scratch = try StoreScratch()
        #expect(throws: InspectionError.notARegularFile(path: scratch.directory.path, kind: "directory")) {
            try ContentHash.sha256(file: scratch.directory.path)
        }
        let fifo = scratch.path("camera.fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        // Must neither block on open (no writer) nor hash: a FIFO is not an image file.
        #expect(throws: InspectionError.notARegularFile(path: fifo, kind: "FIFO")) {
            try ContentHash.sha256(file: fifo)
        }
        do {
            _ = try ContentHash.sha256(file: scratch.path("missing.png"))
            Issue.record("a missing file must not hash")
        } catch let InspectionError.unreadableFile(path, reason) {
            #expect(path.hasSuffix("missing.png"))
            #expect(reason.contains("No such file"))
        }
    }
}
