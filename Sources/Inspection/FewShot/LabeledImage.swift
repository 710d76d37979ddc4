/// One labeled sample for few-shot fitting: a file, good or defect, and the defect type.
public struct LabeledImage: Sendable, Equatable {
    /// Image file: where it was when it was inspected or labelled (messages name this path).
    public var path: String
    /// True for a defect label.
    public var isDefect: Bool
    /// Defect type, when known.
    public var defectClass: String?
    /// SHA-256 of the labelled bytes, when known. With it, `readBytes` refuses other bytes (a
    /// file rewritten at `path`) and an encoding cache can answer without reading at all.
    public var contentHash: String?
    /// A copy of the labelled bytes in the evidence store, read before `path` (which
    /// `after = "move"|"delete"` may have emptied).
    public var evidencePath: String?

    /// A sample.
    public init(path: String, isDefect: Bool, defectClass: String? = nil, contentHash: String? = nil,
                evidencePath: String? = nil) {
        self.path = path
        self.isDefect = isDefect
        self.defectClass = defectClass
        self.contentHash = contentHash
        self.evidencePath = evidencePath
    }

    /// The labelled bytes: the evidence copy when it still hashes to `contentHash`, else the
    /// file at `path` when it does (or when no hash is known). Never other bytes: a file
    /// overwritten at its path is refused with a message saying so.
    public func readBytes(decoder: ImageDecoder) throws -> [UInt8] {
        if let evidencePath, let contentHash,
           let bytes = try? decoder.read(file: evidencePath, followSymlinks: false),
           ContentHash.sha256(bytes) == contentHash {
            return bytes
        }
        let bytes: [UInt8]
        do {
            bytes = try decoder.read(file: path, followSymlinks: true)
        } catch let InspectionError.unreadableFile(_, reason) where contentHash != nil {
            throw InspectionError.unreadableFile(
                path: path, reason: "\(reason); no evidence copy of its content \(contentHash?.prefix(12) ?? "") is kept")
        }
        if let contentHash {
            let now = ContentHash.sha256(bytes)
            guard now == contentHash else {
                throw InspectionError.unreadableFile(
                    path: path, reason: "content changed since it was labelled (now \(now.prefix(12)), labelled \(contentHash.prefix(12))) and no evidence copy is kept")
            }
        }
        return bytes
    }
}

extension LabeledImage {
    /// The zero-shot result of this image under `inspector`: from `cache` when it has it,
    /// else encoded from the labelled bytes (never from other bytes at `path`).
    public func inspect(with inspector: Inspector, cache: EncodingCache?) throws -> InspectionResult {
        if let cache { return try cache.result(for: self, inspector: inspector) }
        return try inspector.inspect(data: try readBytes(decoder: inspector.decoder), name: path)
    }
}
