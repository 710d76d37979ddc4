extension ConfigParser {
    static let fleetKeys = ["url", "site", "password_file", "batch_size", "outbox_max_rows", "outbox_max_age_days",
                            "follow_interval", "max_backoff"]

    /// `[fleet]`; nil when absent. The URL is never echoed with its password.
    static func fleetConfiguration(_ top: ConfigTable) throws -> FleetConfiguration? {
        guard let f = try top.table("fleet", allowedKeys: fleetKeys) else { return nil }
        guard let text = try f.string("url") else { throw f.missing("url") }
        var url: FleetURL
        do {
            url = try FleetURL(parsing: text)
        } catch {
            throw f.error("url", ConfigValueText.quote(error.url), error.problem)
        }
        if let file = try f.absolutePath("password_file") {
            guard url.password == nil else {
                throw f.error("password_file", "cannot be combined with a password in url")
            }
            url.passwordFile = file
        }
        guard let site = try f.text("site") else { throw f.missing("site") }
        guard site.count <= 200, site.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7f }) else {
            throw f.error("site", "must be at most 200 printable characters")
        }
        var c = FleetConfiguration(url: url, site: site)
        func count(_ key: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let v = try f.int(key) else { return nil }
            guard range.contains(v) else { throw f.error(key, "must be between \(range.lowerBound) and \(range.upperBound)") }
            return v
        }
        func seconds(_ key: String, _ range: ClosedRange<Double>) throws -> Double? {
            guard let v = try f.double(key) else { return nil }
            guard range.contains(v) else { throw f.error(key, "must be between \(range.lowerBound) and \(range.upperBound)") }
            return v
        }
        if let v = try count("batch_size", 1...5000) { c.batchSize = v }
        if let v = try count("outbox_max_rows", 1000...100_000_000) { c.outboxMaxRows = v }
        if let v = try seconds("outbox_max_age_days", 0...3650) { c.outboxMaxAgeDays = v }
        if let v = try seconds("follow_interval", 1...86400) { c.followInterval = v }
        if let v = try seconds("max_backoff", 1...3600) { c.maxBackoff = v }
        return c
    }
}

