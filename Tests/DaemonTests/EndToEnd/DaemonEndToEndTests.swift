import Foundation
import Glibc
import Inspection
import Store
import Testing
import TestSupport

/// The real inspectd binary on a temp folder: readiness over a real NOTIFY_SOCKET, exactly one
/// verdict or error per file (in-place writes, atomic renames, nested folders, malformed
/// files), kill -9 mid-burst without loss or duplicates, SIGHUP with a broken config, SIGTERM.
@Suite(.serialized) struct DaemonEndToEndTests {
    @Test func readyVerdictsOncePerFileAndStopsCleanly() throws {
        let h = try DaemonHarness()
        // Two files that arrived while the daemon was down: the start-up scan must find them.
        try h.writeInPlace("before-1.png", try h.pngBytes())
        try h.writeAtomically("nested/deeper/before-2.png", try h.pngBytes())
        try h.start()
        #expect(h.notify.messages.contains { $0.hasPrefix("STATUS=") })
        var expected = 2
        for i in 0..<10 { try h.writeInPlace("inplace-\(i).png", try h.pngBytes()); expected += 1 }
        for i in 0..<10 { try h.writeAtomically("sub/a/atomic-\(i).png", try h.pngBytes()); expected += 1 }
        // Malformed files: each gets exactly one error row.
        try h.writeInPlace("empty.png", [])
        let good = try h.pngBytes()
        try h.writeInPlace("cut.png", Array(good.prefix(good.count / 2)))
        try h.writeInPlace("noise.jpg", (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        expected += 3
        // Ignored: hidden, temp and non-matching names.
        try h.writeInPlace(".hidden.png", try h.pngBytes())
        try h.writeInPlace("partial.png.part", try h.pngBytes())
        try h.writeInPlace("notes.txt", Array("hello".utf8))
        // The same content written twice at the same path: still one verdict.
        let twice = try h.pngBytes()
        try h.writeInPlace("twice.png", twice)
        expected += 1

        var rows = try h.waitForFinished(expected, timeout: 120)
        try h.writeInPlace("twice.png", twice)
        usleep(1_500_000)
        rows = try h.records()
        #expect(rows.count == expected, "rows: \(rows.map { ($0.path as NSString).lastPathComponent })")
        #expect(Set(rows.map(\.path)).count == rows.count, "one row per path")
        let errors = rows.filter { $0.state == .error }
        #expect(Set(errors.map { ($0.path as NSString).lastPathComponent }) == ["empty.png", "cut.png", "noise.jpg"])
        #expect(Set(errors.compactMap(\.errorKind)) == ["empty_file", "truncated_image", "extension_mismatch"] ||
                Set(errors.compactMap(\.errorKind)).isSubset(of: ["empty_file", "truncated_image", "not_an_image", "extension_mismatch"]))
        for row in rows where row.state == .done {
            #expect(row.verdict != nil && row.score != nil && row.modelVersion != nil)
            #expect(row.reviewThreshold == 0.4 && row.failThreshold == 0.6)
        }
        #expect(h.stop() == 0)
        #expect(h.notify.wait(for: "STOPPING=1", timeout: 5))
    }

    /// Five kill -9s at random moments while 500 images arrive (half written in place, half
    /// renamed in, spread over nested folders): exactly 500 rows for 500 files afterwards.
    /// Seeded: `INSPECTD_CHAOS_SEED` replays a run.
    @Test func killNineFiveTimesDuringA500ImageBurst() throws {
        var rng = ChaosSeed(test: "killNineFiveTimesDuringA500ImageBurst")
        let h = try DaemonHarness()
        try h.start()
        let total = 500
        let killAfter = Set((1...5).map { $0 * total / 6 + Int.random(in: -20...20, using: &rng) })
        var kills = 0
        for i in 0..<total {
            let name = "burst/\(i / 100)/img-\(i).png"
            if i % 2 == 0 { try h.writeInPlace(name, try h.pngBytes()) } else { try h.writeAtomically(name, try h.pngBytes()) }
            if killAfter.contains(i) {
                usleep(UInt32.random(in: 0...200_000, using: &rng))
                h.kill9()
                kills += 1
                try h.start()
            }
        }
        #expect(kills == 5)
        let rows = try h.waitForFinished(total, timeout: 300)
        #expect(rows.count == total, "\(rows.count) rows for \(total) files")
        #expect(Set(rows.map(\.path)).count == total)
        #expect(rows.allSatisfy { $0.state == .done || $0.state == .error })
        let errors = rows.filter { $0.state == .error }
        #expect(errors.isEmpty, "errors: \(errors.map { "\($0.path): \($0.errorKind ?? "")" }.prefix(5))")
        #expect(h.stop() == 0)
    }

    /// 1,000 small images dropped at once: each verdicted exactly once. Prints the wall time
    /// and the daemon's per-image overhead beyond model time (decode + preprocess + encode + score).
    @Test func thousandImageBurstIsVerdictedExactlyOnce() throws {
        let h = try DaemonHarness()
        try h.start()
        let total = 1000
        let images = try (0..<total).map { _ in try h.pngBytes() }
        let start = Date()
        for (i, bytes) in images.enumerated() {
            try h.writeAtomically("burst/img-\(i).png", bytes)
        }
        let dropped = Date().timeIntervalSince(start)
        let rows = try h.waitForFinished(total, timeout: 600)
        let finished = rows.compactMap(\.finishedAt).max() ?? 0
        let first = rows.map(\.discoveredAt).min() ?? 0
        let wall = finished - first
        let modelMs = rows.compactMap(\.totalMs).reduce(0, +)
        let overheadMs = (wall * 1000 - modelMs) / Double(total)
        print(String(format: "burst: %d images dropped in %.2f s; first discovery to last verdict %.2f s (%.1f img/s); model time %.1f ms/img; daemon overhead %.2f ms/img",
                     total, dropped, wall, Double(total) / max(wall, 1e-9), modelMs / Double(total), overheadMs))
        #expect(rows.count == total)
        #expect(Set(rows.map(\.path)).count == total)
        #expect(rows.allSatisfy { $0.state == .done })
        #expect(h.stop() == 0)
    }

    @Test func sighupWithBrokenConfigKeepsRunningWithTheOldOne() throws {
        let h = try DaemonHarness()
        try h.start()
        try h.writeInPlace("a.png", try h.pngBytes())
        _ = try h.waitForFinished(1, timeout: 60)
        let original = try String(contentsOfFile: h.configPath, encoding: .utf8)
        try "this is = = not toml [".write(toFile: h.configPath, atomically: true, encoding: .utf8)
        let mark = h.notify.count
        h.signal(SIGHUP)
        #expect(h.notify.wait(for: "RELOADING=1", after: mark, timeout: 10))
        #expect(h.notify.wait(for: "READY=1", after: mark, timeout: 30))
        #expect(h.notify.messages.dropFirst(mark).contains { $0.hasPrefix("STATUS=reload failed") })
        try h.writeInPlace("b.png", try h.pngBytes())
        _ = try h.waitForFinished(2, timeout: 60)
        // A valid reload still works afterwards.
        try original.write(toFile: h.configPath, atomically: true, encoding: .utf8)
        let mark2 = h.notify.count
        h.signal(SIGHUP)
        #expect(h.notify.wait(for: "READY=1", after: mark2, timeout: 30))
        #expect(!h.notify.messages.dropFirst(mark2).contains { $0.hasPrefix("STATUS=reload failed") })
        #expect(h.stop() == 0)
    }

    @Test func movePolicyMovesProcessedFilesOutOfTheWatchedFolder() throws {
        let h = try DaemonHarness(after: "move")
        try h.start()
        let path = try h.writeInPlace("x/one.png", try h.pngBytes())
        _ = try h.waitForFinished(1, timeout: 60)
        let deadline = Date().addingTimeInterval(10)
        while FileManager.default.fileExists(atPath: path) && Date() < deadline { usleep(50_000) }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(FileManager.default.fileExists(atPath: h.done.appendingPathComponent("x/one.png").path))
        #expect(h.stop() == 0)
    }

    @Test func watchdogPingsAndStatusLineWhenSystemdAsksForThem() throws {
        let h = try DaemonHarness()
        try h.start(watchdogUsec: 2_000_000)
        try h.writeInPlace("w.png", try h.pngBytes())
        _ = try h.waitForFinished(1, timeout: 60)
        let mark = h.notify.count
        #expect(h.notify.wait(for: "WATCHDOG=1", after: mark, timeout: 5))
        #expect(h.notify.wait(for: "STATUS=processed 1, queue 0", after: 0, timeout: 5))
        #expect(h.stop() == 0)
    }

    /// QA labels through the real inspectctl; after a reload the daemon builds its few-shot
    /// model and the next verdicts carry the fused score, a few-shot model version and (for
    /// review/fail) a defect type; `inspectctl status` reports the calibration state.
    @Test func labelsChangeTheVerdictsAfterReload() throws {
        let h = try DaemonHarness()
        try h.writeConfig(extra: "[fewshot.classes]\nscratch = \"a bright scratch\"\nspot = \"a dark spot\"\n")
        try h.start()
        for i in 0..<6 { try h.writeInPlace("lab-\(i).png", try h.pngBytes()) }
        let rows = try h.waitForFinished(6, timeout: 60)
        func run(_ args: [String]) throws -> (Int32, String) { try h.inspectctl(args) }
        for (i, row) in rows.enumerated() {
            let args = i < 4 ? ["label", "\(row.id)", "good"] : ["label", "\(row.id)", "defect", "--class", i == 4 ? "scratch" : "spot"]
            let (status, text) = try run(args)
            #expect(status == 0, "\(text)")
        }
        let mark = h.notify.count
        h.signal(SIGHUP)
        #expect(h.notify.wait(for: "READY=1", after: mark, timeout: 60))
        // The few-shot parts are fitted in the background after the reload; wait for them.
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, try VerdictStore.openReadOnly(path: h.database).fewShotFit(station: "line1")?.state != .done {
            usleep(100_000)
        }
        #expect(try VerdictStore.openReadOnly(path: h.database).fewShotFit(station: "line1")?.state == .done)
        try h.writeInPlace("after.png", try h.pngBytes())
        let after = try h.waitForFinished(7, timeout: 60).first { $0.path.hasSuffix("after.png") }
        let row = try #require(after)
        #expect(row.fusedScore != nil, "fused score recorded")
        #expect(row.score == row.fusedScore)
        #expect(row.modelVersion?.hasSuffix("+fs4g2d") == true, "\(row.modelVersion ?? "-")")
        if row.verdict != .pass { #expect(row.defectClass != nil) }
        let (status, text) = try run(["status"])
        #expect(status == 0)
        #expect(text.contains("few-shot:   line1: 4 good, 2 defect labels"), "\(text)")
        #expect(h.stop() == 0)
    }

    @Test func checkConfigRejectsABadValueWithItsKey() throws {
        let h = try DaemonHarness()
        try h.writeConfig(extra: "patterns = \"*.png\"\n")
        let p = Process()
        p.executableURL = DaemonHarness.binary
        p.arguments = ["--config", h.configPath, "--check-config"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationStatus == 2)
        #expect(text.contains("patterns"), "\(text)")
    }
}
