import Foundation
import NIOCore
import Store

/// `inspectctl model publish`: stores a version's prompts, classifier and thresholds in the
/// fleet database under a product name, for stations that follow that product.
public enum FleetPublisher {
    /// Publishes `version` of `site`; returns the publication id. Publishing the same version
    /// of the same site under the same product again returns the existing id.
    public static func publish(_ version: ModelVersionRecord, product: String, site: String, by author: String,
                               over connection: FleetConnection) throws(FleetError) -> (id: Int64, isNew: Bool) {
        let action = "publishing version \(version.id) as \(product)"
        try CentralSchema.requireCurrent(connection)
        var b = PostgresBindingsBuilder()
        let metrics = version.metrics.flatMap { try? JSONEncoder.fleet.encode($0) }.map { String(decoding: $0, as: UTF8.self) }
        let sql = """
            INSERT INTO published_versions (product, site, station, local_id, base, prompts, prompts_hash, classifier,
                review_threshold, fail_threshold, threshold_method, metrics, published_by)
            VALUES (\(b.add(product)), \(b.add(site)), \(b.add(version.station)), \(b.add(version.id)), \(b.add(version.base)),
                \(b.add(version.prompts.map { ByteBuffer(bytes: $0) })), \(b.add(version.promptsHash)), \(b.add(version.classifier)),
                \(b.add(version.reviewThreshold.flatMap { $0.isFinite ? $0 : nil })),
                \(b.add(version.failThreshold.flatMap { $0.isFinite ? $0 : nil })), \(b.add(version.thresholdMethod)),
                \(b.add(metrics))::jsonb, \(b.add(author)))
            ON CONFLICT (product, site, station, local_id) DO NOTHING
            RETURNING id
            """
        if let row = try connection.run(sql, b.bindings, action: action).first {
            return (try connection.decode(row, "id", as: Int64.self, action: action), true)
        }
        var q = PostgresBindingsBuilder()
        let existing = """
            SELECT id FROM published_versions
            WHERE product = \(q.add(product)) AND site = \(q.add(site)) AND station = \(q.add(version.station)) AND local_id = \(q.add(version.id))
            """
        guard let row = try connection.run(existing, q.bindings, action: action).first else {
            throw FleetError(url: connection.url.redacted, action: action, reason: "the publication vanished while it was written")
        }
        return (try connection.decode(row, "id", as: Int64.self, action: action), false)
    }
}

extension JSONEncoder {
    /// Sorted keys and non-finite numbers spelled out, as the local store writes them.
    static var fleet: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }
}
