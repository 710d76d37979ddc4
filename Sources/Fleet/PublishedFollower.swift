import Foundation
import Logging
import Store

/// Imports newly published versions for stations with `follow_published`: the newest
/// publication of the product not yet imported by the station becomes a `candidate` with a
/// judging job (``VerdictStore/importPublished(_:product:publishedID:at:)``). The daemon's
/// retraining coordinator runs that job like a retraining: the candidate is evaluated on the
/// station's own held-out labels against its active version and promoted only if it is not
/// worse; the decision is recorded in the version row. Nothing is ever activated blindly.
final class PublishedFollower {
    private let store: VerdictStore
    private let site: String
    private let following: [(station: String, product: String)]
    private let logger: Logger

    init(store: VerdictStore, site: String, following: [(station: String, product: String)], logger: Logger) {
        self.store = store
        self.site = site
        self.following = following
        self.logger = logger
    }

    /// One look per followed product.
    func check(over connection: FleetConnection) throws {
        for (station, product) in following {
            let action = "looking for published versions of \(product)"
            let last = try store.lastFollowed(station: station, product: product) ?? 0
            var b = PostgresBindingsBuilder()
            let sql = """
                SELECT id, site, station, local_id, base, prompts, prompts_hash, classifier
                FROM published_versions
                WHERE product = \(b.add(product)) AND id > \(b.add(last)) AND NOT (site = \(b.add(site)) AND station = \(b.add(station)))
                ORDER BY id DESC LIMIT 1
                """
            guard let row = try connection.run(sql, b.bindings, action: action).first else { continue }
            let publishedID = try connection.decode(row, "id", as: Int64.self, action: action)
            let origin = "\(try connection.decode(row, "site", as: String.self, action: action))/"
                + "\(try connection.decode(row, "station", as: String.self, action: action)) version "
                + "\(try connection.decode(row, "local_id", as: Int64.self, action: action))"
            let prompts = try connection.decode(row, "prompts", as: Data?.self, action: action)
            let now = Date().timeIntervalSince1970
            let record = ModelVersionRecord(
                station: station, base: try connection.decode(row, "base", as: String.self, action: action),
                status: .candidate, source: .imported, parentID: try store.activeVersion(station: station)?.id,
                createdAt: now, prompts: prompts.map { [UInt8]($0) },
                promptsHash: try connection.decode(row, "prompts_hash", as: String?.self, action: action),
                classifier: try connection.decode(row, "classifier", as: String?.self, action: action),
                note: "published \(product) #\(publishedID) from \(origin)")
            guard let imported = try store.importPublished(record, product: product, publishedID: publishedID, at: now) else {
                continue
            }
            logger.notice("published version imported as a candidate", metadata: [
                "inspection.station": "\(station)", "fleet.product": "\(product)", "fleet.published_id": "\(publishedID)",
                "fleet.origin": "\(origin)", "version.id": "\(imported.version)", "training.job": "\(imported.job)",
            ])
        }
    }
}
