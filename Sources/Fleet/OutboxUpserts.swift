import Store

/// The statements that put a batch of outbox entries into the central tables: one
/// multi-row `INSERT … ON CONFLICT (site, station, local_id) DO UPDATE` per kind. Shipping
/// the same entry again rewrites the same row with the same values, so a batch that was
/// committed but not yet forgotten locally (a crash, a lost reply) is harmless.
struct OutboxUpserts {
    let site: String

    /// (SQL, binds) per kind present in `entries`. Entries without a payload (rows removed
    /// locally before they shipped) are left out; entries naming the same row collapse into
    /// one, since PostgreSQL refuses to update a row twice in one statement.
    func statements(_ entries: [OutboxEntry]) -> [(sql: String, binds: PostgresBindingsBuilder)] {
        var newest = [String: OutboxEntry]()
        var order = [String]()
        for entry in entries where entry.payload != nil {
            let key = "\(entry.kind.rawValue)/\(entry.station)/\(entry.localID)"
            if newest.updateValue(entry, forKey: key) == nil { order.append(key) }
        }
        let unique = order.compactMap { newest[$0] }
        var result = [(sql: String, binds: PostgresBindingsBuilder)]()
        for kind in OutboxEntry.Kind.allCases {
            let rows = unique.filter { $0.kind == kind }
            guard !rows.isEmpty else { continue }
            result.append(statement(kind, rows))
        }
        return result
    }

    private func statement(_ kind: OutboxEntry.Kind, _ rows: [OutboxEntry]) -> (sql: String, binds: PostgresBindingsBuilder) {
        var b = PostgresBindingsBuilder()
        var tuples = [String]()
        let table: String
        let columns: [String]
        switch kind {
        case .verdict:
            table = "verdicts"
            columns = ["site", "station", "local_id", "time", "state", "verdict", "score", "content_hash", "version_id",
                       "after_state", "has_map", "map_ref", "record"]
            for e in rows {
                let c = e.columns
                let mapRef = c.hasMap ? "inspectd://\(site)/\(e.station)/inspections/\(e.localID)/map" : nil
                tuples.append("(" + [b.add(site), b.add(e.station), b.add(e.localID), b.add(c.time), b.add(c.state),
                                     b.add(c.verdict), b.add(c.score), b.add(c.contentHash), b.add(c.versionID),
                                     b.add(c.afterState), b.add(c.hasMap), b.add(mapRef), b.add(e.payload) + "::jsonb"]
                    .joined(separator: ", ") + ")")
            }
        case .label:
            table = "labels"
            columns = ["site", "station", "local_id", "time", "kind", "defect_class", "content_hash", "inspection_id",
                       "has_mask", "superseded_at", "record"]
            for e in rows {
                let c = e.columns
                tuples.append("(" + [b.add(site), b.add(e.station), b.add(e.localID), b.add(c.time), b.add(c.state),
                                     b.add(c.verdict), b.add(c.contentHash ?? ""), b.add(c.versionID), b.add(c.hasMap),
                                     b.add(c.supersededAt), b.add(e.payload) + "::jsonb"]
                    .joined(separator: ", ") + ")")
            }
        case .version:
            table = "model_versions"
            columns = ["site", "station", "local_id", "time", "status", "decision", "prompts_hash", "parent_id", "record"]
            for e in rows {
                let c = e.columns
                tuples.append("(" + [b.add(site), b.add(e.station), b.add(e.localID), b.add(c.time), b.add(c.state),
                                     b.add(c.verdict), b.add(c.contentHash), b.add(c.versionID), b.add(e.payload) + "::jsonb"]
                    .joined(separator: ", ") + ")")
            }
        }
        let updates = columns.dropFirst(3).map { "\($0) = EXCLUDED.\($0)" } + ["shipped_at = now()"]
        let sql = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
            + tuples.joined(separator: ", ")
            + " ON CONFLICT (site, station, local_id) DO UPDATE SET " + updates.joined(separator: ", ")
        return (sql, b)
    }
}
