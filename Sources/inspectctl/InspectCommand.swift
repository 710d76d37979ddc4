import ArgumentParser
import Foundation
import Inspection
import Store

/// `inspectctl inspect FILE...`: loads the model once, scores every file, keeps going past
/// bad files, and exits non-zero if any failed.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Score image files with the anomaly model and print one result per file.",
        discussion: """
            Exit status: 0 all files scored, 1 some files could not be scored (each is reported \
            on stderr and in the output), 3 the model or prompts could not be loaded, 64 bad flags.
            """)

    @Argument(help: "JPEG or PNG files to inspect.")
    var files: [String]

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Fit to the square input: squash (AnomalyCLIP), pad (letterbox) or crop.")
    var resize: String = ResizeMode.squash.rawValue

    @Option(name: .customLong("score"), help: "Image score: cls, map_max or mean.")
    var scoreMode: String = ImageScoreMode.cls.rawValue

    @Option(name: .customLong("review-threshold"), help: "Scores at or above are at least 'review'.")
    var reviewThreshold: Double = Thresholds.standard.review

    @Option(name: .customLong("fail-threshold"), help: "Scores at or above are 'fail'.")
    var failThreshold: Double = Thresholds.standard.fail

    @Option(name: .customLong("max-pixels"), help: "Reject images whose header claims more pixels.")
    var maxPixels: Int = DecodeLimits().maxPixels

    @Option(name: .customLong("overlay-dir"), help: "Write NAME.overlay.png for each scored file into this folder.")
    var overlayDir: String?

    @Option(name: .shortAndLong, help: "Output format: table or json (one JSON object per line).")
    var output: String = "table"

    func validate() throws {
        guard ResizeMode(rawValue: resize) != nil else {
            throw ValidationError("--resize: expected squash, pad or crop (got \(resize))")
        }
        guard ImageScoreMode(rawValue: scoreMode) != nil else {
            throw ValidationError("--score: expected cls, map_max or mean (got \(scoreMode))")
        }
        guard ["table", "json"].contains(output) else { throw ValidationError("-o: expected table or json (got \(output))") }
        guard maxPixels > 0 else { throw ValidationError("--max-pixels: must be positive (got \(maxPixels))") }
        do {
            _ = try Thresholds(review: reviewThreshold, fail: failThreshold)
        } catch {
            throw ValidationError("--review-threshold/--fail-threshold: \(error)")
        }
    }

    func run() throws {
        var config = try modelOptions.configuration()
        config.resizeMode = ResizeMode(rawValue: resize) ?? .squash
        config.scoreMode = ImageScoreMode(rawValue: scoreMode) ?? .cls
        config.thresholds = try Thresholds(review: reviewThreshold, fail: failThreshold)
        config.decodeLimits.maxPixels = maxPixels
        let inspector = try ModelOptions.inspector(config)
        let pipeline = StationPipeline(inspector: inspector)
        if let overlayDir {
            try FileManager.default.createDirectory(atPath: overlayDir, withIntermediateDirectories: true)
        }
        let printer = ResultPrinter(format: output == "json" ? .json : .table)
        printer.header(inspector: inspector)
        var failures = 0
        var overlayNames = Set<String>()
        for file in files {
            do {
                let judgement = try pipeline.run(file: file)
                var overlayPath: String?
                if let overlayDir {
                    overlayPath = try writeOverlay(judgement, dir: overlayDir, inspector: inspector, taken: &overlayNames)
                }
                printer.result(judgement, overlay: overlayPath)
            } catch {
                failures += 1
                FileHandle.standardError.write(Data("inspectctl: \(error)\n".utf8))
                printer.failure(path: file, error: error)
            }
        }
        printer.footer(total: files.count, failures: failures)
        if failures > 0 { throw ExitCode(1) }
    }

    private func writeOverlay(_ judgement: StationJudgement, dir: String, inspector: Inspector,
                              taken: inout Set<String>) throws -> String {
        let result = judgement.result
        let base = URL(fileURLWithPath: result.path).deletingPathExtension().lastPathComponent
        var name = "\(base).overlay.png"
        var n = 2
        while taken.contains(name) {
            name = "\(base)-\(n).overlay.png"
            n += 1
        }
        taken.insert(name)
        let path = URL(fileURLWithPath: dir).appendingPathComponent(name).path
        let decoded = try inspector.decoder.decode(file: result.path)
        let layers = Float(max(result.scores.layerMaps.count, 1))
        let caption = String(format: "%@ %.3f", judgement.verdict.rawValue, judgement.score)
        let overlay = OverlayRenderer().render(original: decoded.image, map: judgement.map, geometry: result.geometry,
                                               range: 0...layers, caption: caption)
        try PNGEncoder.write(try PNGEncoder.encodeRGB8(overlay), to: path)
        return path
    }
}
