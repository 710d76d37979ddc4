import Engine
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Encoded labelled images on disk, keyed by (content hash, model base id), so a refit or a
/// retraining job never runs the image encoder again on an image the same model already
/// encoded — at full model size the encoder is nearly all of a fit's time. Entries live in
/// `root/<hash of base id>/<content hash>.enc` (`EncodingRecord`), are written atomically
/// (temporary file + rename) and checked on every read; a damaged one is deleted and the
/// image re-encoded. The total size is capped: the least recently used entries (by mtime,
/// which a hit refreshes) go first, whatever base they belong to.
///
/// Patch tokens are stored in fp16 (half the bytes) when the inspector's image score is
/// `cls`: the score then comes from the float32 class feature, and what the tokens feed — the
/// memory-bank map and fused score — moves by at most `memory_weight` × 2^-10 (derivation and
/// measurement in `EncodingCacheTests`). With `map_max` or `mean` the zero-shot score itself
/// comes from the tokens through AnomalyCLIP's ×100 logit scale, where fp16 has no such small
/// bound, so they are stored in float32.
///
/// One instance serves one fit at a time; a lock makes it safe to hand between threads.
public final class EncodingCache: @unchecked Sendable {
    /// The cache folder (all bases).
    public let root: String
    /// The base whose encodings this instance reads and writes.
    public let baseID: String
    /// Size cap of the whole folder in bytes.
    public let maxBytes: Int

    /// Images run through the encoder (cache misses).
    public var encodes: Int { locked { counts.encodes } }
    /// Images answered from the cache.
    public var hits: Int { locked { counts.hits } }
    /// Entries found damaged, truncated or for another key, deleted and re-encoded.
    public var discarded: Int { locked { counts.discarded } }
    /// The last entry that could not be written (the fit goes on without it).
    public var lastWriteError: String? { locked { counts.lastWriteError } }

    private struct Counts {
        var encodes = 0
        var hits = 0
        var discarded = 0
        var lastWriteError: String?
    }

    private let lock = NSLock()
    private var counts = Counts()
    /// Relative path → (bytes, last use); built once from the folder.
    private var index: [String: (bytes: Int, lastUse: Double)] = [:]
    private var total = 0
    private let folder: String

    /// Opens (creating) the cache folder and indexes what is in it. `maxBytes` 0 disables
    /// writing: every image is encoded, nothing is kept.
    public init(root: String, baseID: String, maxBytes: Int) throws {
        self.root = root
        self.baseID = baseID
        self.maxBytes = max(0, maxBytes)
        folder = String(ContentHash.sha256(Array(baseID.utf8)).prefix(16))
        do {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o750])
        } catch {
            throw InspectionError.unreadableFile(path: root, reason: "cannot create the encoding cache folder: \(error.localizedDescription)")
        }
        scan()
    }

    /// The zero-shot result of `image` under `inspector` (which must be built on this cache's
    /// base): from the cache when the entry is there and sound, else encoded from the
    /// labelled bytes (see `LabeledImage.readBytes`) and stored.
    public func result(for image: LabeledImage, inspector: Inspector) throws -> InspectionResult {
        var bytes: [UInt8]?
        var hash = image.contentHash
        if hash == nil {
            let read = try image.readBytes(decoder: inspector.decoder)
            bytes = read
            hash = ContentHash.sha256(read)
        }
        guard let hash else { throw InspectionError.unreadableFile(path: image.path, reason: "no content hash") }
        let name = folder + "/" + hash + ".enc"
        if let cached = load(name, hash: hash, image: image, inspector: inspector) {
            locked { counts.hits += 1 }
            return cached
        }
        let data = try bytes ?? image.readBytes(decoder: inspector.decoder)
        let result = try inspector.inspect(data: data, name: image.path)
        locked { counts.encodes += 1 }
        store(result, name: name, hash: hash, inspector: inspector)
        return result
    }

    // MARK: entries

    private func load(_ name: String, hash: String, image: LabeledImage, inspector: Inspector) -> InspectionResult? {
        // Another process (the daemon, a training job) may have added it since the scan.
        let path = root + "/" + name
        guard access(path, F_OK) == 0 else { return nil }
        do {
            guard let data = FileManager.default.contents(atPath: path) else { throw EncodingRecord.Invalid("unreadable") }
            locked { if index[name] == nil { index[name] = (data.count, 0); total += data.count } }
            let record = try EncodingRecord(bytes: [UInt8](data))
            let e = record.encoding
            guard record.header.contentHash == hash, record.header.baseID == baseID,
                  e.taps == inspector.encoder.taps, e.gridRows == inspector.encoder.gridRows,
                  e.gridColumns == inspector.encoder.gridColumns,
                  e.patchTokens.allSatisfy({ $0.shape.last == inspector.model.architecture.embedDim }) else {
                throw EncodingRecord.Invalid("made for another image or model")
            }
            let scores = try inspector.scorer.score(e)
            let score = scores.imageScore(inspector.configuration.scoreMode)
            let map = try AnomalyMap(width: scores.mapSize, height: scores.mapSize, values: scores.smoothedMap)
            touch(path, name: name)
            return InspectionResult(path: image.path, verdict: inspector.configuration.thresholds.verdict(for: score),
                                    score: score, scores: scores, map: map, geometry: record.header.geometry,
                                    source: record.header.source, timings: .init(), encoding: e)
        } catch {
            unlink(path)
            locked {
                counts.discarded += 1
                if let old = index.removeValue(forKey: name) { total -= old.bytes }
            }
            return nil
        }
    }

    /// Whether fp16 patch tokens keep every score within the documented bound (see above).
    static func halfPrecision(_ result: InspectionResult, inspector: Inspector) -> Bool {
        inspector.configuration.scoreMode == .cls
    }

    private func store(_ result: InspectionResult, name: String, hash: String, inspector: Inspector) {
        guard maxBytes > 0 else { return }
        let bytes: [UInt8]
        do {
            bytes = try EncodingRecord(result: result, contentHash: hash, baseID: baseID,
                                       halfPrecision: Self.halfPrecision(result, inspector: inspector)).serialized()
        } catch {
            locked { counts.lastWriteError = "\(error)" }
            return
        }
        guard bytes.count <= maxBytes else { return }
        evict(toFit: bytes.count)
        let path = root + "/" + name
        let temporary = path + ".tmp-\(getpid())"
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else {
                throw InspectionError.unreadableFile(path: path, reason: "rename: \(ImageDecoder.errnoText(errno))")
            }
            chmod(path, 0o640)
        } catch {
            unlink(temporary)
            locked { counts.lastWriteError = "\(path): \(error)" }
            return
        }
        let now = Date().timeIntervalSince1970
        locked {
            if let old = index.updateValue((bytes.count, now), forKey: name) { total -= old.bytes }
            total += bytes.count
        }
    }

    /// Drops least recently used entries until `incoming` more bytes fit under the cap.
    private func evict(toFit incoming: Int) {
        let victims: [String] = locked {
            guard total + incoming > maxBytes else { return [] }
            var out = [String]()
            var left = total
            for (name, entry) in index.sorted(by: { $0.value.lastUse < $1.value.lastUse }) {
                guard left + incoming > maxBytes else { break }
                out.append(name)
                left -= entry.bytes
            }
            return out
        }
        for name in victims {
            unlink(root + "/" + name)
            locked { if let old = index.removeValue(forKey: name) { total -= old.bytes } }
        }
    }

    /// A hit is a use: its mtime moves to now, so it is evicted last.
    private func touch(_ path: String, name: String) {
        utimensat(AT_FDCWD, path, nil, 0)
        let now = Date().timeIntervalSince1970
        locked { if let entry = index[name] { index[name] = (entry.bytes, now) } }
    }

    /// Indexes every entry under `root` (all bases); leftovers of writes interrupted more than
    /// an hour ago go (a younger one may belong to another process writing right now).
    private func scan() {
        let now = Date().timeIntervalSince1970
        let manager = FileManager.default
        guard let folders = try? manager.contentsOfDirectory(atPath: root) else { return }
        for sub in folders {
            guard let names = try? manager.contentsOfDirectory(atPath: root + "/" + sub) else { continue }
            for file in names {
                let path = root + "/" + sub + "/" + file
                var info = stat()
                guard stat(path, &info) == 0 else { continue }
                let lastUse = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) * 1e-9
                if file.contains(".tmp-") {
                    if now - lastUse > 3600 { unlink(path) }
                    continue
                }
                guard file.hasSuffix(".enc") else { continue }
                index[sub + "/" + file] = (Int(info.st_size), lastUse)
                total += Int(info.st_size)
            }
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}
