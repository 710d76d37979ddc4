import Inspection

extension ConfigParser {
    static let evidenceKeys = ["keep", "max_mb", "max_days"]

    /// `[evidence]`.
    static func evidenceSettings(_ top: ConfigTable) throws -> EvidenceSettings {
        var settings = EvidenceSettings()
        guard let e = try top.table("evidence", allowedKeys: evidenceKeys) else { return settings }
        if let keep = try evidenceReasons(e, "keep") { settings.keep = keep }
        if let mb = try e.int("max_mb") {
            guard (1...(1 << 30)).contains(mb) else { throw e.error("max_mb", "must be between 1 and \(1 << 30) MiB") }
            settings.maxMB = mb
        }
        if let days = try e.double("max_days") {
            guard days >= 0 else { throw e.error("max_days", "must be 0 (no age limit, only the cap) or a number of days") }
            settings.maxDays = days == 0 ? nil : days
        }
        return settings
    }

    /// A list of `labelled`, `pass`, `review`, `fail` (`[evidence] keep`, a station's
    /// `keep_evidence`); `labelled` is implied.
    static func evidenceReasons(_ table: ConfigTable, _ key: String) throws -> Set<EvidenceReason>? {
        guard let words = try table.strings(key) else { return nil }
        var reasons: Set<EvidenceReason> = [.labelled]
        for (i, word) in words.enumerated() {
            guard let reason = EvidenceReason(rawValue: word) else {
                throw table.elementError(key, i, ConfigValueText.quote(word),
                                         "expected " + ConfigValueText.alternatives(EvidenceReason.allCases.map(\.rawValue)))
            }
            reasons.insert(reason)
        }
        return reasons
    }
}
