import Config

import Foundation
import Inspection
import Testing

/// The example file in config/ is what operators copy; it must stay valid and say what it means.
@Suite struct ShippedConfigTests {
    /// Tests/ConfigTests/<this file> → repository root.
    static let exampleURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config/inspectd.toml")

    @Test func exampleParsesToTheDocumentedValues() throws {
        let config = try InspectdConfiguration.load(path: Self.exampleURL.path)
        #expect(config.file == Self.exampleURL.path)
        #expect(config.database == "/var/lib/inspectd/inspectd.db")

        var model = ModelSettings(path: "/var/lib/inspectd/models/vit-l-14-336/open_clip_model.safetensors")
        model.promptsPath = "/var/lib/inspectd/models/anomalyclip/prompts.safetensors"
        model.product = "object"
        model.inputSize = 518
        model.resize = .squash
        model.featureLayers = [6, 12, 18, 24]
        model.dpamFirstBlock = 6
        model.score = .cls
        model.sigma = 4
        model.maxPixels = 50_000_000
        #expect(config.model == model)

        #expect(config.thresholds == Thresholds.standard)
        #expect(config.retention == RetentionSettings(verdictDays: 90, mapDays: 30))

        let top = StationConfiguration(
            name: "line1-top", folder: "/srv/camera/line1/top", recursive: false,
            patterns: ["*.jpg", "*.jpeg", "*.png"], product: "bottle",
            after: .move(to: "/srv/camera/done/line1-top"),
            thresholds: try Thresholds(review: 0.35, fail: 0.7))
        var topWithOutputs = top
        topWithOutputs.outputs = [
            OutputConfiguration(kind: .file(FileOutputSettings(folder: "/srv/results/line1-top", keepCount: 10000, keepAge: 7 * 86400))),
            OutputConfiguration(kind: .socket(SocketOutputSettings(path: "/run/inspectd/line1-top.sock"))),
        ]
        var side = StationConfiguration(
            name: "line2-side", folder: "/srv/camera/line2/side", recursive: true,
            patterns: ["*.png"], product: "metal nut", after: .delete, thresholds: nil)
        side.keepEvidence = [.labelled, .review, .fail]
        #expect(config.stations == [topWithOutputs, side])
        #expect(config.evidence == EvidenceSettings())
        #expect(config.keptEvidence(for: top) == [.labelled] && config.keptEvidence(for: side) == [.labelled, .review, .fail])
        #expect(config.fewShot.maxLabelsPerClass == 64 && config.fewShot.encodingCacheMB == 2048)
    }

    @Test func exampleDocumentsEveryKey() throws {
        let text = try String(contentsOf: Self.exampleURL, encoding: .utf8)
        let keys = ["database", "path", "config", "prompts", "product", "input_size", "resize", "feature_layers",
                    "dpam_first_block", "score", "sigma", "max_pixels", "review", "fail", "verdict_days",
                    "map_days", "name", "folder", "recursive", "patterns", "after", "move_to", "keep_evidence", "keep",
                    "max_mb", "max_days", "max_labels_per_class", "encoding_cache_mb",
                    // [[station.output]]
                    "kind", "verdicts", "keep_count", "keep_age", "retry_interval", "client_buffer",
                    "max_clients", "command", "timeout", "concurrency", "queue",
                    // fleet
                    "follow_published", "url", "password_file", "site", "batch_size", "outbox_max_rows",
                    "outbox_max_age_days", "follow_interval", "max_backoff"]
        for key in keys {
            // Present either set or commented out (`# config = ...`).
            #expect(text.contains("\n\(key) = ") || text.contains("\n# \(key) = "), "\(key) is not documented")
        }
    }
}
