import Config
import Foundation
import Inspection
import Logging
import Store

/// Where few-shot fitting and retraining read labelled images from: the evidence folder
/// beside the database first (labels outlive `after = "move"|"delete"` and files rewritten at
/// their path), and the encoding cache beside it, so an image the same model already encoded
/// is not encoded again.
struct LabelInputs {
    let evidence: EvidenceStore
    /// `encodings/` beside the database.
    let cacheRoot: String
    /// 0 = no cache.
    let cacheBytes: Int

    init(configuration: InspectdConfiguration) {
        evidence = EvidenceStore(databasePath: configuration.database)
        cacheRoot = URL(fileURLWithPath: configuration.database).deletingLastPathComponent()
            .appendingPathComponent("encodings").path
        cacheBytes = configuration.fewShot.encodingCacheMB << 20
    }

    /// The labels as fitting reads them (evidence copy, else the path if it still holds the bytes).
    func images(_ labels: [Label]) -> [LabeledImage] {
        labels.map(evidence.labeledImage)
    }

    /// The cache for one model base; nil (encode everything) when turned off or unusable.
    func cache(baseID: String, logger: Logger) -> EncodingCache? {
        guard cacheBytes > 0 else { return nil }
        do {
            return try EncodingCache(root: cacheRoot, baseID: baseID, maxBytes: cacheBytes)
        } catch {
            logger.warning("encoding cache not used: \(error)")
            return nil
        }
    }

    /// Logs how the cache did (a fit that encoded nothing is what a refit should look like).
    func report(_ cache: EncodingCache?, logger: Logger, metadata: Logger.Metadata) {
        guard let cache else { return }
        var meta = metadata
        meta["cache.encodes"] = "\(cache.encodes)"
        meta["cache.hits"] = "\(cache.hits)"
        meta["cache.discarded"] = "\(cache.discarded)"
        logger.info("labelled images encoded", metadata: meta)
        if let problem = cache.lastWriteError { logger.warning("encoding cache entry not written: \(problem)", metadata: metadata) }
    }
}
