import Config

import Foundation
import Inspection
import Testing

/// Defaults, types, unknown keys, TOML syntax and reading the file.
@Suite struct ConfigParsingTests {
    @Test func minimalConfigGetsDefaults() throws {
        let config = try ConfigFixture.parse(ConfigFixture.minimal)
        #expect(config.file == "inspectd.toml")
        #expect(config.database == "/var/lib/inspectd/inspectd.db")
        #expect(config.model == ModelSettings(path: "/models/clip.safetensors"))
        #expect(config.model.configPath == nil)
        #expect(config.model.promptsPath == nil)
        #expect(config.model.product == "object")
        #expect(config.model.inputSize == nil)
        #expect(config.model.resize == .squash)
        #expect(config.model.featureLayers == nil)
        #expect(config.model.dpamFirstBlock == nil)
        #expect(config.model.score == .cls)
        #expect(config.model.sigma == 4)
        #expect(config.model.maxPixels == 50_000_000)
        #expect(config.thresholds == .standard)
        #expect(config.retention == RetentionSettings(verdictDays: nil, mapDays: nil))
        #expect(config.stations == [StationConfiguration(
            name: "a", folder: "/srv/a", recursive: false, patterns: ["*.jpg", "*.jpeg", "*.png"],
            product: nil, after: .keep, thresholds: nil)])
    }

    @Test func integersAreAcceptedWhereNumbersAreExpected() throws {
        let config = try ConfigFixture.parse(ConfigFixture.with(
            model: "sigma = 2", extra: "[thresholds]\nreview = 0\nfail = 1\n[retention]\nverdict_days = 7\nmap_days = 0.5"))
        #expect(config.model.sigma == 2)
        #expect(config.thresholds == (try Thresholds(review: 0, fail: 1)))
        #expect(config.retention == RetentionSettings(verdictDays: 7, mapDays: 0.5))
    }

    @Test func pathsAreCleaned() throws {
        let config = try ConfigFixture.parse("""
            database = "/var/lib//inspectd/./inspectd.db"
            [model]
            path = "/models/x/../clip.safetensors"
            [[station]]
            name = "a"
            folder = "/srv/a/"
            after = "move"
            move_to = "/srv/done//a/"
            """)
        #expect(config.database == "/var/lib/inspectd/inspectd.db")
        #expect(config.model.path == "/models/clip.safetensors")
        #expect(config.stations[0].folder == "/srv/a")
        #expect(config.stations[0].after == .move(to: "/srv/done/a"))
    }

    @Test func dottedKeysAndInlineTablesAreTheSameTables() throws {
        let config = try ConfigFixture.parse("""
            model = { path = "/models/clip.safetensors", score = "mean" }
            thresholds.fail = 0.9
            station = [{ name = "a", folder = "/srv/a" }]
            """)
        #expect(config.model.score == .mean)
        #expect(config.thresholds == (try Thresholds(review: 0.4, fail: 0.9)))
        #expect(config.stations.map(\.name) == ["a"])
    }

    @Test func everyEnumValueIsAccepted() throws {
        for mode in ResizeMode.allCases {
            #expect(try ConfigFixture.parse(ConfigFixture.with(model: "resize = \"\(mode.rawValue)\"")).model.resize == mode)
        }
        for mode in ImageScoreMode.allCases {
            #expect(try ConfigFixture.parse(ConfigFixture.with(model: "score = \"\(mode.rawValue)\"")).model.score == mode)
        }
        #expect(try ConfigFixture.parse(ConfigFixture.with(station: "after = \"delete\"")).stations[0].after == .delete)
        #expect(try ConfigFixture.parse(ConfigFixture.with(station: "after = \"keep\"")).stations[0].after == .keep)
    }

    @Test func stationPatternsMatchFileNamesIgnoringCase() throws {
        let station = try ConfigFixture.parse(ConfigFixture.minimal).stations[0]
        #expect(station.matches(fileName: "IMG_0001.JPG"))
        #expect(station.matches(fileName: "part.jpeg"))
        #expect(station.matches(fileName: "part.Png"))
        #expect(!station.matches(fileName: "part.jpg.tmp"))
        #expect(!station.matches(fileName: "part.bmp"))
        let custom = try ConfigFixture.parse(ConfigFixture.with(station: #"patterns = ["cam[0-9]_?.png", "\\*.jpg"]"#))
            .stations[0]
        #expect(custom.matches(fileName: "CAM3_a.png"))
        #expect(!custom.matches(fileName: "camX_a.png"))
        #expect(!custom.matches(fileName: "cam3_ab.png"))
        #expect(custom.matches(fileName: "*.jpg"))
        #expect(!custom.matches(fileName: "a.jpg"))
    }

    // MARK: unknown keys

    @Test func unknownModelKeyIsNamedWithASuggestion() {
        expectConfigError(ConfigFixture.with(model: "inputsize = 518"), key: "model.inputsize", value: "518",
                          problem: "did you mean input_size?")
        let error = ConfigFixture.error(ConfigFixture.with(model: "inputsize = 518"))
        #expect(error.map { "\($0)" } == "inspectd.toml: model.inputsize: unknown key (did you mean input_size?) (got 518)")
    }

    @Test func unknownTopLevelKey() {
        expectConfigError(ConfigFixture.with(top: #"databse = "/x.db""#), key: "databse", value: #""/x.db""#,
                          problem: "did you mean database?")
    }

    @Test func unknownStationKeyNamesTheStation() {
        expectConfigError(ConfigFixture.with(station: "recursiv = true"), key: "station[0].recursiv", value: "true",
                          problem: "unknown key")
    }

    @Test func unknownKeyWithoutCloseMatchListsTheAllowedKeys() {
        expectConfigError(ConfigFixture.with(extra: "[retention]\nkeep_everything = true"),
                          key: "retention.keep_everything", value: "true", problem: "allowed here: verdict_days, map_days")
    }

    @Test func unknownTableIsAnUnknownKey() {
        expectConfigError(ConfigFixture.with(extra: "[threshold]\nreview = 0.5"), key: "threshold",
                          value: "review = 0.5", problem: "did you mean thresholds?")
    }

    @Test func quotedUnknownKeyIsQuotedInTheMessage() {
        expectConfigError(ConfigFixture.with(model: #""input size" = 518"#), key: #"model."input size""#, value: "518")
    }

    // MARK: types

    @Test func wrongTypeNamesExpectedTypeAndValue() {
        expectConfigError(ConfigFixture.with(model: #"input_size = "518""#), key: "model.input_size",
                          value: #""518""#, problem: "expected an integer, not a string")
    }

    @Test func floatWhereIntegerExpected() {
        expectConfigError(ConfigFixture.with(model: "max_pixels = 5e7"), key: "model.max_pixels",
                          value: "50000000.0", problem: "expected an integer, not a float")
    }

    @Test func stringWhereBooleanExpected() {
        expectConfigError(ConfigFixture.with(station: #"recursive = "yes""#), key: "station[0].recursive",
                          value: #""yes""#, problem: "expected true or false, not a string")
    }

    @Test func stringWhereNumberExpected() {
        expectConfigError(ConfigFixture.with(extra: "[thresholds]\nreview = \"0.4\""), key: "thresholds.review",
                          value: #""0.4""#, problem: "expected a number, not a string")
    }

    @Test func scalarWherePathExpected() {
        expectConfigError(ConfigFixture.with(top: "database = 5"), key: "database", value: "5",
                          problem: "expected a string, not an integer")
    }

    @Test func wrongElementTypeNamesTheIndex() {
        expectConfigError(ConfigFixture.with(station: #"patterns = ["*.jpg", 5]"#), key: "station[0].patterns[1]",
                          value: "5", problem: "expected a string, not an integer")
        expectConfigError(ConfigFixture.with(model: #"feature_layers = [6, "12"]"#), key: "model.feature_layers[1]",
                          value: #""12""#, problem: "expected an integer")
    }

    @Test func scalarWhereArrayExpected() {
        expectConfigError(ConfigFixture.with(station: #"patterns = "*.jpg""#), key: "station[0].patterns",
                          value: #""*.jpg""#, problem: "expected an array, not a string")
    }

    @Test func scalarWhereTableExpected() {
        expectConfigError(ConfigFixture.with(top: "retention = 30"), key: "retention", value: "30",
                          problem: "expected a table")
    }

    @Test func stationWrittenAsSingleTable() {
        expectConfigError("""
            [model]
            path = "/m.safetensors"
            [station]
            name = "a"
            folder = "/srv/a"
            """, key: "station", value: #"name = "a""#, problem: "expected an array of tables ([[station]])")
    }

    @Test func stationArrayWithNonTableElement() {
        expectConfigError("""
            station = [1]
            [model]
            path = "/m.safetensors"
            """, key: "station[0]", value: "1", problem: "expected a table, not an integer")
    }

    // MARK: syntax

    @Test func syntaxErrorHasLineAndColumn() {
        let toml = """
            [model]
            path = "/models/clip.safetensors"
            input_size = = 518
            """
        let error = ConfigFixture.error(toml)
        guard case let .syntax(file, line, column, message)? = error as? ConfigError else {
            Issue.record("expected configSyntax, got \(String(describing: error))")
            return
        }
        #expect(file == "inspectd.toml")
        #expect(line == 3)
        #expect(column == 14)
        #expect(!message.isEmpty)
        #expect(error.map { "\($0)" }?.hasPrefix("inspectd.toml:3:14: TOML syntax error: ") == true)
    }

    @Test func duplicateKeyIsASyntaxError() {
        let error = ConfigFixture.error(ConfigFixture.with(model: "sigma = 1\nsigma = 2"))
        guard case let .syntax(_, line, _, _)? = error as? ConfigError else {
            Issue.record("expected configSyntax, got \(String(describing: error))")
            return
        }
        #expect(line == 5)
    }

    @Test func nulIsASyntaxErrorInsteadOfTruncatingTheDocument() {
        for toml in ["[model]\npath = \"/m\u{0}\"", "[model]\npath = \"/m\\u0000\""] {
            let error = ConfigFixture.error(toml)
            guard case let .syntax(_, line, column, _)? = error as? ConfigError else {
                Issue.record("expected configSyntax, got \(String(describing: error))")
                continue
            }
            #expect(line == 2)
            #expect(column == 11)
        }
    }

    // MARK: load

    @Test func loadReadsTheFileAndNamesItInErrors() throws {
        let dir = try ConfigTempFolder()
        let path = dir.path + "/inspectd.toml"
        try dir.write(ConfigFixture.with(model: "resize = \"pad\""), to: "inspectd.toml")
        #expect(try InspectdConfiguration.load(path: path).model.resize == .pad)
        #expect(try InspectdConfiguration.load(path: path).file == path)

        try dir.write(ConfigFixture.with(model: "resize = \"fit\""), to: "inspectd.toml")
        #expect(throws: ConfigError.invalid(file: path, key: "model.resize", value: #""fit""#,
                                           problem: "expected squash, pad or crop")) {
            try InspectdConfiguration.load(path: path)
        }
    }

    @Test func loadMissingFileIsUnreadable() throws {
        let dir = try ConfigTempFolder()
        let error = #expect(throws: ConfigError.self) { try InspectdConfiguration.load(path: dir.path + "/nope.toml") }
        guard case let .unreadable(file, reason)? = error else {
            Issue.record("expected unreadable, got \(String(describing: error))")
            return
        }
        #expect(file == dir.path + "/nope.toml")
        #expect(reason.contains("No such file"))
    }

    @Test func loadDirectoryIsUnreadable() throws {
        let dir = try ConfigTempFolder()
        #expect(throws: ConfigError.unreadable(file: dir.path, reason: "is a directory")) {
            try InspectdConfiguration.load(path: dir.path)
        }
    }

    @Test func loadInvalidUTF8IsUnreadable() throws {
        let dir = try ConfigTempFolder()
        try Data([0x5B, 0x6D, 0xFF, 0x5D]).write(to: URL(fileURLWithPath: dir.path + "/bad.toml"))
        #expect(throws: ConfigError.unreadable(file: dir.path + "/bad.toml", reason: "not valid UTF-8 text")) {
            try InspectdConfiguration.load(path: dir.path + "/bad.toml")
        }
    }
}
