import Foundation
import Inspection
import Store
import Testing

/// `inspectctl inspect` as a user runs it: the real binary on a folder of good and malformed
/// files. Every file gets exactly one JSON line, bad files carry their specific error kind,
/// good files after bad ones are still scored, overlays are written, exit status is 1.
@Suite struct InspectCommandTests {
    let fx: ReferenceFixture
    let dir: URL

    init() throws {
        fx = try ReferenceFixture.load()
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("inspectctl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    /// The built `inspectctl` next to this test bundle.
    static var binary: URL {
        Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("inspectctl")
    }

    private func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    private func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A PNG whose IHDR claims `width`×`height` (valid CRC), with no image data.
    static func pngHeader(width: UInt32, height: UInt32) -> [UInt8] {
        var ihdr: [UInt8] = Array("IHDR".utf8)
        for v in [width, height] { ihdr += [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        ihdr += [8, 2, 0, 0, 0]
        let crc = crc32(ihdr)
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + ihdr
            + [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
        }
        return c ^ 0xFFFF_FFFF
    }

    @Test func scoresGoodFilesReportsEachBadFileAndWritesOverlays() throws {
        let good = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fx.imagePath(fx.imageFiles[0]))))
        var rng = SystemRandomNumberGenerator()
        // The fixture's other images are good files: all but the last amid the bad ones.
        let others: [(String, String?)] = fx.imageFiles.dropFirst().map { (fx.imagePath($0), nil) }
        let corpus: [(String, String?)] = [
            (try write("good1.png", good), nil),
            (try write("empty.png", []), "empty_file"),
            (try write("cut20.png", Array(good.prefix(20))), "truncated_image"),
            (try write("cut50pct.png", Array(good.prefix(good.count / 2))), "truncated_image"),
            (try write("cut-1.png", Array(good.dropLast(1))), "truncated_image"),
            (try write("random.jpg", (0..<4096).map { _ in UInt8.random(in: 1...255, using: &rng) }), "not_an_image"),
            (try write("huge.png", Self.pngHeader(width: 100_000, height: 100_000)), "too_many_pixels"),
            (try write("good-named.jpg", good), "extension_mismatch"),
            (dir.appendingPathComponent("missing.png").path, "unreadable_file"),
        ] + others.dropLast()
        let folder = dir.appendingPathComponent("x.png")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let zero = dir.appendingPathComponent("zero.png")
        try FileManager.default.createSymbolicLink(atPath: zero.path, withDestinationPath: "/dev/zero")
        let all = corpus + [(folder.path, "not_a_regular_file"), (zero.path, "not_a_regular_file")]
            + others.suffix(1)
        let overlays = dir.appendingPathComponent("overlays")

        let result = try run(["inspect", "--model", fx.path("model-openclip.safetensors"),
                              "--prompts", fx.path("prompts.safetensors"), "--input-size", "\(try fx.int("image_size"))",
                              "--overlay-dir", overlays.path, "-o", "json"] + all.map(\.0))
        #expect(result.status == 1, "exit status with failed files")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == all.count, "one JSON line per file:\n\(result.stdout)\n\(result.stderr)")
        for (line, (path, kind)) in zip(lines, all) {
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(obj["path"] as? String == path)
            if let kind {
                #expect(obj["error_kind"] as? String == kind, "\(path): \(line)")
                #expect(result.stderr.contains(path))
            } else {
                let verdict = try #require(obj["verdict"] as? String, "\(path): \(line)")
                #expect(Verdict(rawValue: verdict) != nil)
                let score = try #require(obj["score"] as? Double)
                #expect((0...1).contains(score))
                let overlay = try #require(obj["overlay"] as? String)
                let decoded = try ImageDecoder().decode(file: overlay)
                // Small images are drawn with their long side at least 320 px (portrait ones too).
                #expect(max(decoded.image.width, decoded.image.height) >= 320, "\(path)")
            }
        }
    }

    @Test func tableOutputAndAllGoodExitsZero() throws {
        let result = try run(["inspect", "--model", fx.path("model-openclip.safetensors"), "--product", "widget",
                              fx.imagePath(fx.imageFiles[0])])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("prompt ensemble 'widget'"))
        #expect(result.stdout.contains("1 of 1 files scored"))
    }

    @Test func badFlagsAndMissingModelHaveDistinctExitCodes() throws {
        let both = try run(["inspect", "--model", "m", "--prompts", "p", "--product", "x", "a.png"])
        #expect(both.status == 64 || both.status == 2, "validation error exit status, got \(both.status)")
        #expect(both.stderr.contains("mutually exclusive"))
        let missing = try run(["inspect", "--model", dir.appendingPathComponent("nope.safetensors").path, "a.png"])
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("nope.safetensors"))
        let resize = try run(["inspect", "--model", "m", "--resize", "stretch", "a.png"])
        #expect(resize.stderr.contains("stretch"))
    }
}
