import Foundation
import Inspection
import Store
import Testing

/// The review station in a real browser: Debian's headless chromium driven by
/// `browser_check.py` (python3-selenium + chromium-driver, installed by `.ci/run-deps`)
/// labels the first image of the review queue with the keyboard and a painted stroke; the
/// test then finds that label and its mask in the database. Screenshots of the list, the
/// detail page and the charts go to `.build/web-screenshots/`.
@Suite(.serialized)
struct WebBrowserEndToEndTests {
    static let python = "/usr/bin/python3"
    static let missing: String? = {
        for path in ["/usr/bin/chromium", "/usr/bin/chromedriver", python] where !FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: python)
        probe.arguments = ["-c", "import selenium"]
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return "python3-selenium" }
        probe.waitUntilExit()
        return probe.terminationStatus == 0 ? nil : "python3-selenium"
    }()
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func paintADefectInTheReviewQueue() throws {
        if let missing = Self.missing {
            print("WebBrowserEndToEndTests skipped: \(missing) is not installed (Debian packages chromium, chromium-driver, python3-selenium; bash .ci/run-deps installs them)")
            return
        }
        let h = try WebHarness()
        let now = Date().timeIntervalSince1970
        for n in 0..<6 {
            try h.addVerdict(n, station: n % 2 == 0 ? "line-1" : "line-2", verdict: n == 5 ? .fail : .pass,
                             score: n == 5 ? 0.8 : 0.05 * Double(n), at: now - Double(600 * (6 - n)), defectClass: n == 5 ? "scratch" : nil)
        }
        let review = try h.addVerdict(9, station: "line-1", verdict: .review, score: 0.52, at: now - 5)
        try h.start()
        let shots = Self.repo.appendingPathComponent(".build/web-screenshots")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = [Self.repo.appendingPathComponent("Tests/WebTests/browser_check.py").path,
                             "http://127.0.0.1:\(h.port)", WebHarness.user, WebHarness.password, shots.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "browser_check.py failed: \(text)")
        #expect(text.contains("labelled \(review)"))

        let label = try #require(try h.store.labelHistory(contentHash: try h.store.record(id: review).contentHash).last)
        #expect(label.kind == .defect && label.author == WebHarness.user && label.source == "web")
        let mask = try MaskValidator.validate(png: try #require(label.mask), name: "browser mask",
                                              imageWidth: WebHarness.imageWidth, imageHeight: WebHarness.imageHeight)
        #expect(mask.defectPixels > 20 && mask.defectPixels < WebHarness.imageWidth * WebHarness.imageHeight / 2)
        for name in ["list.png", "detail.png", "charts.png"] {
            #expect(FileManager.default.fileExists(atPath: shots.appendingPathComponent(name).path))
        }
    }
}
