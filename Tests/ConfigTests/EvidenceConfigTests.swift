import Config

import Foundation
import Inspection
import Testing

/// `[evidence]`, a station's `keep_evidence`, and `[fewshot] max_labels_per_class` and
/// `encoding_cache_mb`: defaults, every key, and each bad value blamed on its key.
@Suite struct EvidenceConfigTests {
    @Test func defaultsKeepOnlyLabelledImages() throws {
        let c = try ConfigFixture.parse(ConfigFixture.minimal)
        #expect(c.evidence == EvidenceSettings())
        #expect(c.evidence.keep == [.labelled] && c.evidence.maxMB == 4096 && c.evidence.maxDays == 30)
        #expect(c.keptEvidence(for: c.stations[0]) == [.labelled])
        #expect(c.fewShot.maxLabelsPerClass == 64 && c.fewShot.encodingCacheMB == 2048)
        #expect(try c.fewShot.settings().maxLabelsPerClass == 64)
    }

    @Test func everyKeyIsRead() throws {
        let c = try ConfigFixture.parse(ConfigFixture.with(
            station: #"keep_evidence = ["fail"]"#,
            extra: """
                [evidence]
                keep = ["review", "fail", "labelled"]
                max_mb = 100
                max_days = 0

                [fewshot]
                max_labels_per_class = 12
                encoding_cache_mb = 0
                """))
        #expect(c.evidence.keep == [.labelled, .review, .fail] && c.evidence.maxMB == 100 && c.evidence.maxDays == nil)
        #expect(c.evidence.maxBytes == 100 << 20)
        #expect(c.keptEvidence(for: c.stations[0]) == [.labelled, .fail], "the station's list wins; labelled is implied")
        #expect(c.fewShot.maxLabelsPerClass == 12 && c.fewShot.encodingCacheMB == 0)
        #expect(try c.fewShot.settings().maxLabelsPerClass == 12)
    }

    @Test func badValuesNameTheKey() {
        expectConfigError(ConfigFixture.with(extra: "[evidence]\nkeep = [\"review\", \"maybe\"]"), key: "evidence.keep[1]",
                          value: "\"maybe\"", problem: "labelled")
        expectConfigError(ConfigFixture.with(station: "keep_evidence = [\"always\"]"), key: "station[0].keep_evidence[0]",
                          value: "\"always\"")
        expectConfigError(ConfigFixture.with(extra: "[evidence]\nkeep = \"fail\""), key: "evidence.keep", value: "fail")
        expectConfigError(ConfigFixture.with(extra: "[evidence]\nmax_mb = 0"), key: "evidence.max_mb", value: "0")
        expectConfigError(ConfigFixture.with(extra: "[evidence]\nmax_days = -1"), key: "evidence.max_days", value: "-1")
        expectConfigError(ConfigFixture.with(extra: "[evidence]\nsize = 3"), key: "evidence.size", value: "3")
        expectConfigError(ConfigFixture.with(extra: "[fewshot]\nmax_labels_per_class = 0"),
                          key: "fewshot.max_labels_per_class", value: "0", problem: "between 1 and 100000")
        expectConfigError(ConfigFixture.with(extra: "[fewshot]\nencoding_cache_mb = -5"),
                          key: "fewshot.encoding_cache_mb", value: "-5")
    }
}
