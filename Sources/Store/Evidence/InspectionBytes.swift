import Foundation
import Inspection

/// The bytes an inspection scored, wherever they still are: the evidence folder beside the
/// database, the path it was found at, or where `after = "move"` put it — each only when the
/// bytes still hash to the recorded content, so a file rewritten at its path is never taken
/// for the image that was judged.
public struct InspectionBytes: Sendable {
    public let evidence: EvidenceStore

    public init(databasePath: String) {
        evidence = EvidenceStore(databasePath: databasePath)
    }

    /// Where the bytes were found.
    public enum Source: Equatable, Sendable {
        case evidence
        /// The file it was inspected at.
        case original(String)
        /// Where the station's `after = "move"` put it.
        case moved(String)
    }

    /// The recorded bytes of `record`, or nil with the reasons each place failed.
    public func find(_ record: InspectionRecord) -> (bytes: [UInt8], source: Source)? {
        if let bytes = evidence.verifiedBytes(record.contentHash) { return (bytes, .evidence) }
        let decoder = ImageDecoder()
        for (path, source) in [(record.path, Source.original(record.path))] + (record.afterPath.map { [($0, Source.moved($0))] } ?? []) {
            if let bytes = try? decoder.read(file: path, followSymlinks: true), ContentHash.sha256(bytes) == record.contentHash {
                return (bytes, source)
            }
        }
        return nil
    }

    /// Why `find` came back empty, for the user: what is at each path now.
    public func missingReason(_ record: InspectionRecord) -> String {
        var places = ["\(record.path) \(Self.state(record.path, record.contentHash))"]
        if let moved = record.afterPath { places.append("where it was moved, \(moved), \(Self.state(moved, record.contentHash))") }
        return places.joined(separator: "; ") + "; and no evidence copy of content \(record.contentHash.prefix(12)) was kept"
    }

    private static func state(_ path: String, _ hash: String) -> String {
        FileManager.default.fileExists(atPath: path) ? "now holds other content" : "is gone"
    }

    /// Keeps bytes found by `find` in the evidence folder (a hard link from where `after`
    /// moved the file — nothing writes there any more —, else a copy) and records them. Run
    /// after the label is committed: bytes found in the evidence folder that retention removed
    /// in between are written back from memory.
    public func keep(_ found: (bytes: [UInt8], source: Source), record: InspectionRecord, store: VerdictStore) throws {
        let how: EvidenceStore.Kept
        switch found.source {
        case .evidence, .original: how = try evidence.keep(bytes: found.bytes, contentHash: record.contentHash)
        case let .moved(path): how = try evidence.keep(file: path, contentHash: record.contentHash, link: true)
        }
        try store.recordEvidence(contentHash: record.contentHash, bytes: found.bytes.count, reason: .labelled,
                                 storedAs: how, at: Date().timeIntervalSince1970)
    }
}
