import Config

import Foundation
import Inspection
import Testing

/// One test per semantic rule: each asserts the exact key blamed and that the bad value is
/// quoted in the message.
@Suite struct ConfigValidationTests {
    // MARK: required keys and tables

    @Test func modelTableIsRequired() {
        expectConfigError("""
            [[station]]
            name = "a"
            folder = "/srv/a"
            """, key: "model.path", value: "nothing", problem: "required key is missing")
    }

    @Test func modelPathIsRequired() {
        expectConfigError("""
            [model]
            product = "bottle"
            [[station]]
            name = "a"
            folder = "/srv/a"
            """, key: "model.path", value: "nothing", problem: "required key is missing")
    }

    @Test func atLeastOneStation() {
        expectConfigError("""
            [model]
            path = "/models/clip.safetensors"
            """, key: "station", value: "none", problem: "at least one [[station]]")
        expectConfigError("""
            station = []
            [model]
            path = "/models/clip.safetensors"
            """, key: "station", value: "none")
    }

    @Test func stationNameIsRequired() {
        expectConfigError("""
            [model]
            path = "/models/clip.safetensors"
            [[station]]
            folder = "/srv/a"
            """, key: "station[0].name", value: "nothing", problem: "required key is missing")
    }

    @Test func stationFolderIsRequired() {
        expectConfigError("""
            [model]
            path = "/models/clip.safetensors"
            [[station]]
            name = "a"
            folder = "/srv/a"
            [[station]]
            name = "b"
            """, key: "station[1].folder", value: "nothing", problem: "required key is missing")
    }

    // MARK: paths

    @Test func relativeModelPath() {
        expectConfigError(#"[model]\#npath = "models/clip.safetensors"\#n[[station]]\#nname = "a"\#nfolder = "/srv/a""#,
                          key: "model.path", value: #""models/clip.safetensors""#, problem: "absolute path")
    }

    @Test func relativeOptionalModelPaths() {
        expectConfigError(ConfigFixture.with(model: #"config = "open_clip_config.json""#), key: "model.config",
                          value: #""open_clip_config.json""#, problem: "absolute path")
        expectConfigError(ConfigFixture.with(model: #"prompts = "~/prompts.safetensors""#), key: "model.prompts",
                          value: #""~/prompts.safetensors""#, problem: "absolute path")
    }

    @Test func relativeDatabasePath() {
        expectConfigError(ConfigFixture.with(top: #"database = "inspectd.db""#), key: "database",
                          value: #""inspectd.db""#, problem: "absolute path")
    }

    @Test func relativeStationFolder() {
        expectConfigError(ConfigFixture.with().replacingOccurrences(of: #"folder = "/srv/a""#, with: #"folder = "srv/a""#),
                          key: "station[0].folder", value: #""srv/a""#, problem: "absolute path")
    }

    @Test func relativeMoveTo() {
        expectConfigError(ConfigFixture.with(station: "after = \"move\"\nmove_to = \"done\""), key: "station[0].move_to",
                          value: #""done""#, problem: "absolute path")
    }

    // MARK: [model] values

    @Test func inputSizeRange() {
        expectConfigError(ConfigFixture.with(model: "input_size = 4"), key: "model.input_size", value: "4",
                          problem: "between 8 and 4096")
        expectConfigError(ConfigFixture.with(model: "input_size = 5000"), key: "model.input_size", value: "5000",
                          problem: "between 8 and 4096")
        #expect(ConfigFixture.error(ConfigFixture.with(model: "input_size = 8")) == nil)
        #expect(ConfigFixture.error(ConfigFixture.with(model: "input_size = 4096")) == nil)
    }

    @Test func resizeMustBeKnown() {
        let toml = ConfigFixture.with(model: #"resize = "stretch""#)
        expectConfigError(toml, key: "model.resize", value: #""stretch""#, problem: "expected squash, pad or crop")
    }

    @Test func scoreMustBeKnown() {
        expectConfigError(ConfigFixture.with(model: #"score = "max""#), key: "model.score", value: #""max""#,
                          problem: "expected cls, map_max or mean")
    }

    @Test func featureLayersMustBePositive() {
        expectConfigError(ConfigFixture.with(model: "feature_layers = [6, 0, 18]"), key: "model.feature_layers[1]",
                          value: "0", problem: "numbered from 1")
    }

    @Test func featureLayersMustBeDistinct() {
        expectConfigError(ConfigFixture.with(model: "feature_layers = [6, 12, 6]"), key: "model.feature_layers[2]",
                          value: "6", problem: "duplicate of model.feature_layers[0]")
    }

    @Test func featureLayersMustNotBeEmpty() {
        expectConfigError(ConfigFixture.with(model: "feature_layers = []"), key: "model.feature_layers", value: "[]",
                          problem: "at least one")
    }

    @Test func dpamFirstBlockAtLeastOne() {
        expectConfigError(ConfigFixture.with(model: "dpam_first_block = 0"), key: "model.dpam_first_block", value: "0",
                          problem: "numbered from 1")
    }

    @Test func sigmaMustBePositive() {
        expectConfigError(ConfigFixture.with(model: "sigma = 0"), key: "model.sigma", value: "0",
                          problem: "greater than 0")
        expectConfigError(ConfigFixture.with(model: "sigma = -1.5"), key: "model.sigma", value: "-1.5",
                          problem: "greater than 0")
    }

    @Test func sigmaMustBeFinite() {
        expectConfigError(ConfigFixture.with(model: "sigma = inf"), key: "model.sigma", value: "inf",
                          problem: "finite")
        expectConfigError(ConfigFixture.with(model: "sigma = nan"), key: "model.sigma", value: "nan",
                          problem: "finite")
    }

    @Test func maxPixelsMustBePositive() {
        expectConfigError(ConfigFixture.with(model: "max_pixels = 0"), key: "model.max_pixels", value: "0",
                          problem: "greater than 0")
    }

    @Test func productMustNotBeBlank() {
        expectConfigError(ConfigFixture.with(model: #"product = "  ""#), key: "model.product", value: #""  ""#,
                          problem: "must not be empty")
        expectConfigError(ConfigFixture.with(station: #"product = """#), key: "station[0].product", value: #""""#,
                          problem: "must not be empty")
    }

    // MARK: thresholds and retention

    @Test func thresholdOutOfRange() {
        expectConfigError(ConfigFixture.with(extra: "[thresholds]\nfail = 1.2"), key: "thresholds.fail", value: "1.2",
                          problem: "between 0 and 1")
        expectConfigError(ConfigFixture.with(extra: "[thresholds]\nreview = -0.1"), key: "thresholds.review",
                          value: "-0.1", problem: "between 0 and 1")
    }

    @Test func reviewAboveFailBlamesReview() {
        expectConfigError(ConfigFixture.with(extra: "[thresholds]\nreview = 0.8\nfail = 0.7"), key: "thresholds.review",
                          value: "0.8", problem: "must not exceed fail (0.7 from thresholds.fail)")
    }

    @Test func failBelowDefaultReviewBlamesFail() {
        expectConfigError(ConfigFixture.with(extra: "[thresholds]\nfail = 0.3"), key: "thresholds.fail", value: "0.3",
                          problem: "must not be below review (0.4 from the default)")
    }

    @Test func stationThresholdsAreCheckedAgainstTheGlobalOnes() {
        expectConfigError(ConfigFixture.with(station: "review = 0.65"), key: "station[0].review", value: "0.65",
                          problem: "must not exceed fail (0.6 from the default)")
        expectConfigError(ConfigFixture.with(station: "fail = 0.5", extra: "[thresholds]\nreview = 0.55"),
                          key: "station[0].fail", value: "0.5", problem: "must not be below review (0.55 from thresholds.review)")
        expectConfigError(ConfigFixture.with(station: "fail = 1.5"), key: "station[0].fail", value: "1.5",
                          problem: "between 0 and 1")
    }

    @Test func stationThresholdOverrideMergesWithGlobal() throws {
        let config = try ConfigFixture.parse(ConfigFixture.with(station: "fail = 0.9", extra: "[thresholds]\nreview = 0.3"))
        #expect(config.stations[0].thresholds == (try Thresholds(review: 0.3, fail: 0.9)))
        #expect(config.thresholds == (try Thresholds(review: 0.3, fail: 0.6)))
    }

    @Test func retentionDaysMustBePositive() {
        expectConfigError(ConfigFixture.with(extra: "[retention]\nverdict_days = 0"), key: "retention.verdict_days",
                          value: "0", problem: "greater than 0")
        expectConfigError(ConfigFixture.with(extra: "[retention]\nmap_days = -3"), key: "retention.map_days",
                          value: "-3", problem: "greater than 0")
    }

    // MARK: stations

    @Test func stationNameCharacters() {
        expectConfigError(ConfigFixture.with().replacingOccurrences(of: #"name = "a""#, with: #"name = "line 1/top""#),
                          key: "station[0].name", value: #""line 1/top""#, problem: "letters, digits")
        expectConfigError(ConfigFixture.with().replacingOccurrences(of: #"name = "a""#, with: #"name = """#),
                          key: "station[0].name", value: #""""#)
        expectConfigError(ConfigFixture.with().replacingOccurrences(of: #"name = "a""#, with: #"name = "..""#),
                          key: "station[0].name", value: #""..""#)
    }

    @Test func duplicateStationNames() {
        expectConfigError(ConfigFixture.with(extra: "[[station]]\nname = \"a\"\nfolder = \"/srv/b\""),
                          key: "station[1].name", value: #""a""#, problem: "duplicate of station[0].name")
    }

    @Test func sameFolderTwice() {
        // Spelled differently: the trailing slash must not hide the duplicate.
        expectConfigError(ConfigFixture.with(extra: "[[station]]\nname = \"b\"\nfolder = \"/srv/a/\""),
                          key: "station[1].folder", value: #""/srv/a""#, problem: "same folder as station[0] (a)")
    }

    @Test func folderInsideRecursiveFolder() {
        expectConfigError(ConfigFixture.with(station: "recursive = true",
                                             extra: "[[station]]\nname = \"b\"\nfolder = \"/srv/a/cam2\""),
                          key: "station[1].folder", value: #""/srv/a/cam2""#, problem: "is inside /srv/a, the recursive folder of station[0] (a)")
    }

    @Test func recursiveFolderContainingAnEarlierOne() {
        expectConfigError(ConfigFixture.with(extra: "[[station]]\nname = \"b\"\nfolder = \"/srv\"\nrecursive = true"),
                          key: "station[1].folder", value: #""/srv""#, problem: "is recursive and contains /srv/a, the folder of station[0] (a)")
    }

    @Test func folderInsideNonRecursiveFolderIsAllowed() throws {
        let config = try ConfigFixture.parse(ConfigFixture.with(extra: "[[station]]\nname = \"b\"\nfolder = \"/srv/a/cam2\""))
        #expect(config.stations.map(\.folder) == ["/srv/a", "/srv/a/cam2"])
        // Sibling folders sharing a prefix are not nested.
        #expect(ConfigFixture.error(ConfigFixture.with(station: "recursive = true",
                                                       extra: "[[station]]\nname = \"b\"\nfolder = \"/srv/ab\"")) == nil)
    }

    @Test func afterMustBeKnown() {
        let toml = """
            [model]
            path = "/models/clip.safetensors"
            [[station]]
            name = "a"
            folder = "/srv/a"
            [[station]]
            name = "b"
            folder = "/srv/b"
            [[station]]
            name = "c"
            folder = "/srv/c"
            after = "archive"
            """
        expectConfigError(toml, key: "station[2].after", value: #""archive""#)
        #expect(ConfigFixture.error(toml).map { "\($0)" }
            == #"inspectd.toml: station[2].after: expected keep, move or delete (got "archive")"#)
    }

    @Test func moveRequiresMoveTo() {
        expectConfigError(ConfigFixture.with(station: #"after = "move""#), key: "station[0].move_to", value: "nothing",
                          problem: #"required when after = "move""#)
    }

    @Test func moveToOnlyWithMove() {
        expectConfigError(ConfigFixture.with(station: #"move_to = "/srv/done""#), key: "station[0].move_to",
                          value: #""/srv/done""#, problem: #"only allowed when after = "move" (after is "keep")"#)
        expectConfigError(ConfigFixture.with(station: "after = \"delete\"\nmove_to = \"/srv/done\""),
                          key: "station[0].move_to", value: #""/srv/done""#, problem: #"(after is "delete")"#)
    }

    @Test func moveToInsideOwnFolder() {
        expectConfigError(ConfigFixture.with(station: "after = \"move\"\nmove_to = \"/srv/a/done\""),
                          key: "station[0].move_to", value: #""/srv/a/done""#, problem: "this is inside /srv/a, this station's own folder")
        expectConfigError(ConfigFixture.with(station: "after = \"move\"\nmove_to = \"/srv/a\""),
                          key: "station[0].move_to", value: #""/srv/a""#, problem: "must not be inside a watched folder")
    }

    @Test func moveToInsideAnotherStationsFolder() {
        expectConfigError(ConfigFixture.with(station: "after = \"move\"\nmove_to = \"/srv/b/done\"",
                                             extra: "[[station]]\nname = \"b\"\nfolder = \"/srv/b\""),
                          key: "station[0].move_to", value: #""/srv/b/done""#,
                          problem: "this is inside /srv/b, the folder of station[1] (b)")
    }

    @Test func moveToAboveWatchedFoldersIsAllowed() throws {
        let config = try ConfigFixture.parse(ConfigFixture.with(station: "after = \"move\"\nmove_to = \"/srv\""))
        #expect(config.stations[0].after == .move(to: "/srv"))
    }

    @Test func patternsMustNotBeEmpty() {
        expectConfigError(ConfigFixture.with(station: "patterns = []"), key: "station[0].patterns", value: "[]",
                          problem: "at least one pattern")
    }

    @Test func patternsMustBeValidGlobs() {
        expectConfigError(ConfigFixture.with(station: #"patterns = ["*.jpg", "img[0-9.png"]"#),
                          key: "station[0].patterns[1]", value: #""img[0-9.png""#, problem: "without a closing ]")
        expectConfigError(ConfigFixture.with(station: #"patterns = ["sub/*.jpg"]"#), key: "station[0].patterns[0]",
                          value: #""sub/*.jpg""#, problem: "cannot contain /")
        expectConfigError(ConfigFixture.with(station: #"patterns = [""]"#), key: "station[0].patterns[0]",
                          value: #""""#, problem: "empty pattern")
        expectConfigError(ConfigFixture.with(station: #"patterns = ["[[:digit:]].png"]"#), key: "station[0].patterns[0]",
                          value: #""[[:digit:]].png""#, problem: "not supported")
    }
}
