import Inspection
import TOMLKit

/// Turns TOML text into an `InspectdConfiguration`, checking everything that can be checked
/// without touching the disk. Errors are thrown at the first problem, in file order where
/// TOML keeps one, so the operator fixes one clear thing at a time.
enum ConfigParser {
    static let topKeys = ["database", "rescan_interval", "model", "thresholds", "retention", "fewshot", "retrain", "evidence",
                          "station", "web", "fleet"]
    static let modelKeys = ["path", "config", "prompts", "product", "input_size", "resize", "feature_layers",
                            "dpam_first_block", "score", "sigma", "max_pixels"]
    static let thresholdKeys = ["review", "fail"]
    static let retentionKeys = ["verdict_days", "map_days"]
    static let stationKeys = ["name", "folder", "recursive", "patterns", "product", "after", "move_to",
                              "review", "fail", "follow_symlinks", "keep_evidence", "output", "follow_published"]

    static let inputSizeRange = 8...4096

    static func parse(toml: String, file: String) throws -> InspectdConfiguration {
        let root = try document(toml, file: file)
        let top = try ConfigTable(file: file, path: "", table: root, allowedKeys: topKeys)

        let database = try top.absolutePath("database") ?? InspectdConfiguration.defaultDatabase
        let model = try modelSettings(top)
        let global = try globalThresholds(top)
        let retention = try retentionSettings(top)
        let fewShot = try fewShotConfiguration(top)
        let retrain = try retrainConfiguration(top)
        let stations = try stationList(top, global: global)
        try StationOverlap.check(stations, file: file)

        var configuration = InspectdConfiguration(file: file, database: database, model: model,
                                                  thresholds: global.thresholds, retention: retention,
                                                  stations: stations)
        configuration.fewShot = fewShot
        configuration.evidence = try evidenceSettings(top)
        if let interval = try top.double("rescan_interval") {
            guard interval >= 1 && interval <= 3600 else {
                throw top.error("rescan_interval", ConfigValueText.number(interval), "must be between 1 and 3600 seconds")
            }
            configuration.rescanInterval = interval
        }
        configuration.retrain = retrain
        configuration.web = try webSettings(top)
        configuration.fleet = try fleetConfiguration(top)
        if configuration.fleet == nil, let i = stations.firstIndex(where: { $0.followPublished != nil }) {
            throw ConfigError.invalid(file: file, key: "station[\(i)].follow_published",
                                      value: ConfigValueText.quote(stations[i].followPublished ?? ""),
                                      problem: "needs a [fleet] table (the published versions live in the fleet database)")
        }
        return configuration
    }

    // MARK: TOML

    /// The parsed document; TOMLKit's errors become `ConfigError.syntax` with toml++'s position.
    private static func document(_ toml: String, file: String) throws -> TOMLTable {
        // TOMLKit hands strings to toml++ as C strings, so a NUL would silently end the
        // document or a key early instead of being reported.
        if let (line, column) = position(ofNULIn: toml) {
            throw ConfigError.syntax(file: file, line: line, column: column,
                                           message: "NUL characters are not allowed")
        }
        do {
            return try TOMLTable(string: toml)
        } catch let error as TOMLParseError {
            throw ConfigError.syntax(file: file, line: error.source.begin.line,
                                           column: error.source.begin.column, message: error.description)
        } catch {
            throw ConfigError.syntax(file: file, line: 0, column: 0, message: "\(error)")
        }
    }

    /// 1-based line and column of a raw NUL or a `\u0000` / `\U00000000` escape.
    static func position(ofNULIn text: String) -> (Int, Int)? {
        var line = 1, column = 1
        let chars = Array(text.unicodeScalars)
        for (i, c) in chars.enumerated() {
            if c == "\0" { return (line, column) }
            if c == "\\", i + 1 < chars.count {
                let digits = chars[i + 1] == "u" ? 4 : chars[i + 1] == "U" ? 8 : 0
                if digits > 0, i + 1 + digits < chars.count,
                   chars[(i + 2)...(i + 1 + digits)].allSatisfy({ $0 == "0" }) {
                    return (line, column)
                }
            }
            if c == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return nil
    }

    // MARK: [model]

    private static func modelSettings(_ top: ConfigTable) throws -> ModelSettings {
        guard let m = try top.table("model", allowedKeys: modelKeys) else {
            throw ConfigError.invalid(file: top.file, key: "model.path", value: "nothing",
                                     problem: "required key is missing (no [model] table)")
        }
        guard let path = try m.absolutePath("path") else { throw m.missing("path") }
        var settings = ModelSettings(path: path)
        settings.configPath = try m.absolutePath("config")
        settings.promptsPath = try m.absolutePath("prompts")
        settings.product = try m.text("product") ?? ModelSettings.defaultProduct

        if let size = try m.int("input_size") {
            guard inputSizeRange.contains(size) else {
                throw m.error("input_size", "must be between \(inputSizeRange.lowerBound) and \(inputSizeRange.upperBound)")
            }
            settings.inputSize = size
        }
        settings.resize = try m.choice("resize", ResizeMode.allCases.map { ($0.rawValue, $0) }) ?? .squash

        if let layers = try m.ints("feature_layers") {
            guard !layers.isEmpty else {
                throw m.error("feature_layers", "must list at least one block (omit the key for the default)")
            }
            for (i, layer) in layers.enumerated() {
                guard layer >= 1 else {
                    throw m.elementError("feature_layers", i, String(layer), "blocks are numbered from 1")
                }
                if let first = layers.firstIndex(of: layer), first < i {
                    throw m.elementError("feature_layers", i, String(layer),
                                         "duplicate of \(m.keyPath("feature_layers"))[\(first)]")
                }
            }
            settings.featureLayers = layers
        }
        if let block = try m.int("dpam_first_block") {
            guard block >= 1 else { throw m.error("dpam_first_block", "blocks are numbered from 1") }
            settings.dpamFirstBlock = block
        }
        settings.score = try m.choice("score", ImageScoreMode.allCases.map { ($0.rawValue, $0) }) ?? .cls
        if let sigma = try m.double("sigma") {
            guard sigma > 0 else { throw m.error("sigma", "must be greater than 0") }
            settings.sigma = sigma
        }
        if let pixels = try m.int("max_pixels") {
            guard pixels > 0 else { throw m.error("max_pixels", "must be greater than 0") }
            settings.maxPixels = pixels
        }
        return settings
    }

    // MARK: [thresholds]

    /// Where a threshold value came from, so an inconsistent pair blames the key that was
    /// actually written (and the most specific one when both were).
    struct ThresholdValue {
        var value: Double
        /// Full key path, nil for the built-in default.
        var key: String?
        /// 0 = default, 1 = [thresholds], 2 = station.
        var level: Int

        var origin: String { key ?? "the default" }
    }

    /// A threshold in [0, 1] from `table`, or nil when absent.
    private static func threshold(_ table: ConfigTable, _ key: String, level: Int) throws -> ThresholdValue? {
        guard let x = try table.double(key) else { return nil }
        guard (0...1).contains(x) else { throw table.error(key, "must be between 0 and 1") }
        return ThresholdValue(value: x, key: table.keyPath(key), level: level)
    }

    /// review ≤ fail, reported against the more specific of the two keys.
    private static func combine(review: ThresholdValue, fail: ThresholdValue, file: String) throws -> Thresholds {
        guard review.value <= fail.value, let thresholds = try? Thresholds(review: review.value, fail: fail.value) else {
            if review.level >= fail.level, let key = review.key {
                throw ConfigError.invalid(file: file, key: key, value: ConfigValueText.number(review.value),
                                         problem: "must not exceed fail (\(ConfigValueText.number(fail.value)) from \(fail.origin))")
            }
            throw ConfigError.invalid(file: file, key: fail.key ?? "thresholds.fail", value: ConfigValueText.number(fail.value),
                                     problem: "must not be below review (\(ConfigValueText.number(review.value)) from \(review.origin))")
        }
        return thresholds
    }

    /// The global pair plus where each value came from, for station messages.
    struct GlobalThresholds {
        var review: ThresholdValue
        var fail: ThresholdValue
        var thresholds: Thresholds
    }

    private static func globalThresholds(_ top: ConfigTable) throws -> GlobalThresholds {
        let t = try top.table("thresholds", allowedKeys: thresholdKeys)
        let review = try t.flatMap { try threshold($0, "review", level: 1) }
            ?? ThresholdValue(value: Thresholds.standard.review, key: nil, level: 0)
        let fail = try t.flatMap { try threshold($0, "fail", level: 1) }
            ?? ThresholdValue(value: Thresholds.standard.fail, key: nil, level: 0)
        return GlobalThresholds(review: review, fail: fail,
                                thresholds: try combine(review: review, fail: fail, file: top.file))
    }

    // MARK: [retention]

    private static func retentionSettings(_ top: ConfigTable) throws -> RetentionSettings {
        guard let r = try top.table("retention", allowedKeys: retentionKeys) else { return RetentionSettings() }
        var settings = RetentionSettings()
        for key in retentionKeys {
            guard let days = try r.double(key) else { continue }
            guard days > 0 else { throw r.error(key, "must be greater than 0 (omit the key to keep forever)") }
            if key == "verdict_days" { settings.verdictDays = days } else { settings.mapDays = days }
        }
        return settings
    }

    // MARK: [[station]]

    private static func stationList(_ top: ConfigTable, global: GlobalThresholds) throws -> [StationConfiguration] {
        guard let tables = try top.tables("station", allowedKeys: stationKeys), !tables.isEmpty else {
            throw ConfigError.invalid(file: top.file, key: "station", value: "none",
                                     problem: "at least one [[station]] table is required")
        }
        var stations = [StationConfiguration]()
        for s in tables {
            let station = try self.station(s, global: global)
            if let other = stations.firstIndex(where: { $0.name == station.name }) {
                throw s.error("name", "duplicate of station[\(other)].name")
            }
            stations.append(station)
        }
        try checkSocketPaths(stations, file: top.file)
        return stations
    }

    private static func station(_ s: ConfigTable, global: GlobalThresholds) throws -> StationConfiguration {
        guard let name = try s.string("name") else { throw s.missing("name") }
        guard isValidName(name) else {
            throw s.error("name", "expected letters, digits, '.', '_' or '-' (and not just '.' or '..')")
        }
        guard let folder = try s.absolutePath("folder") else { throw s.missing("folder") }
        var station = StationConfiguration(name: name, folder: folder)
        station.recursive = try s.bool("recursive") ?? false
        station.followSymlinks = try s.bool("follow_symlinks") ?? false
        station.keepEvidence = try evidenceReasons(s, "keep_evidence")

        if let patterns = try s.strings("patterns") {
            guard !patterns.isEmpty else {
                throw s.error("patterns", "must list at least one pattern (omit the key for the default)")
            }
            for (i, pattern) in patterns.enumerated() {
                do {
                    _ = try FileNameGlob(pattern)
                } catch {
                    throw s.elementError("patterns", i, ConfigValueText.quote(pattern), error.reason)
                }
            }
            station.patterns = patterns
        }
        station.product = try s.text("product")
        station.followPublished = try s.text("follow_published")

        let after = try s.choice("after", [("keep", "keep"), ("move", "move"), ("delete", "delete")]) ?? "keep"
        let moveTo = try s.absolutePath("move_to")
        switch (after, moveTo) {
        case ("move", let target?): station.after = .move(to: target)
        case ("move", nil): throw s.error("move_to", "nothing", "required when after = \"move\"")
        case (_, .some): throw s.error("move_to", "only allowed when after = \"move\" (after is \"\(after)\")")
        case ("delete", nil): station.after = .delete
        default: station.after = .keep
        }

        let review = try threshold(s, "review", level: 2)
        let fail = try threshold(s, "fail", level: 2)
        if review != nil || fail != nil {
            station.thresholds = try combine(review: review ?? global.review, fail: fail ?? global.fail,
                                             file: s.file)
        }
        station.outputs = try outputList(s)
        return station
    }

    /// `[A-Za-z0-9._-]+`, except `.` and `..`, which would misbehave wherever a name becomes
    /// a path component.
    static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, name != ".", name != ".." else { return false }
        return name.unicodeScalars.allSatisfy { c in
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
                || c == "." || c == "_" || c == "-"
        }
    }
}
