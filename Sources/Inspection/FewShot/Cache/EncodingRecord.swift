import Engine
import Foundation

/// The file format of one encoding-cache entry: what `FewShotModel.build` and prompt training
/// read from an encoded image (patch tokens per tap, class feature, image embedding) plus the
/// preprocessing geometry that masks are projected with.
///
///     "INSPENC1"  u32 version  u32 header length  header (JSON)  u64 payload length
///     payload: image embedding f32, class feature f32, patch tokens f16 or f32 (taps × tokens × width)
///     u32 CRC-32 of everything before it
///
/// Little endian. Patch tokens are most of the bytes; they are stored as IEEE binary16 when
/// `halfPrecision` (see `EncodingCache` for when that holds), else float32. The two small
/// vectors always stay float32. Anything that does not add up (magic, version, lengths,
/// checksum, key, shapes) is rejected, so a truncated or damaged entry is re-encoded instead
/// of being trusted.
struct EncodingRecord {
    static let magic: [UInt8] = Array("INSPENC1".utf8)
    static let version: UInt32 = 1

    /// What the JSON header says.
    struct Header: Codable, Equatable {
        var contentHash: String
        var baseID: String
        var taps: [Int]
        var gridRows: Int
        var gridColumns: Int
        var tokens: Int
        var width: Int
        var embeddingCount: Int
        var classFeatureCount: Int
        /// 16 or 32.
        var patchBits: Int
        var geometry: InputGeometry
        var source: String
    }

    var header: Header
    var encoding: ImageEncoding

    /// Why bytes are not a usable entry.
    struct Invalid: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// The entry's bytes.
    func serialized() throws -> [UInt8] {
        let json = try JSONEncoder().encode(header)
        let h = header
        let payloadLength = Self.payloadLength(h)
        var out = [UInt8]()
        out.reserveCapacity(Self.magic.count + 16 + json.count + payloadLength + 4)
        out += Self.magic
        Self.append(&out, Self.version)
        Self.append(&out, UInt32(json.count))
        out += json
        Self.append(&out, UInt64(payloadLength))
        for v in encoding.imageEmbedding { Self.append(&out, v.bitPattern) }
        for v in encoding.classFeature { Self.append(&out, v.bitPattern) }
        for tensor in encoding.patchTokens {
            guard tensor.count == h.tokens * h.width else {
                throw Invalid("patch tokens of shape \(tensor.shape), expected [\(h.tokens), \(h.width)]")
            }
            let p = tensor.pointer
            if h.patchBits == 16 {
                for i in 0..<tensor.count { Self.append(&out, Float16(p[i]).bitPattern) }
            } else {
                for i in 0..<tensor.count { Self.append(&out, p[i].bitPattern) }
            }
        }
        let crc = out.withUnsafeBytes { CRC32.checksum($0) }
        Self.append(&out, crc)
        return out
    }

    /// Reads an entry, checking every length and the checksum.
    init(bytes: [UInt8]) throws {
        let fixed = Self.magic.count + 8
        guard bytes.count >= fixed + 12 else { throw Invalid("\(bytes.count) bytes is shorter than the header") }
        guard Array(bytes[0..<Self.magic.count]) == Self.magic else { throw Invalid("not an encoding cache entry (magic)") }
        let version: UInt32 = Self.load(bytes, Self.magic.count)
        guard version == Self.version else { throw Invalid("format version \(version), expected \(Self.version)") }
        let stored: UInt32 = Self.load(bytes, bytes.count - 4)
        let crc = bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<(bytes.count - 4)])) }
        guard stored == crc else { throw Invalid("checksum mismatch (damaged or truncated)") }
        let jsonLength = Int(Self.load(bytes, Self.magic.count + 4) as UInt32)
        guard fixed + jsonLength + 12 <= bytes.count else { throw Invalid("header length \(jsonLength) past the end") }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(bytes[fixed..<(fixed + jsonLength)]))
        } catch {
            throw Invalid("unreadable header: \(error)")
        }
        let shape = [header.taps.count, header.tokens, header.width, header.embeddingCount, header.classFeatureCount]
        guard shape.allSatisfy({ $0 >= 0 && $0 < 1 << 24 }), header.tokens == 1 + header.gridRows * header.gridColumns,
              header.patchBits == 16 || header.patchBits == 32 else {
            throw Invalid("impossible shape \(shape) or precision \(header.patchBits)")
        }
        let payloadLength = Int(Self.load(bytes, fixed + jsonLength) as UInt64)
        let expected = Self.payloadLength(header)
        let start = fixed + jsonLength + 8
        guard payloadLength == expected, start + payloadLength + 4 == bytes.count else {
            throw Invalid("payload of \(payloadLength) bytes, expected \(expected) in a file of \(bytes.count)")
        }
        var offset = start
        func floats(_ count: Int) -> [Float] {
            var values = [Float](repeating: 0, count: count)
            for i in 0..<count { values[i] = Float(bitPattern: Self.load(bytes, offset + 4 * i)) }
            offset += 4 * count
            return values
        }
        let embedding = floats(header.embeddingCount)
        let classFeature = floats(header.classFeatureCount)
        var tokens = [Tensor]()
        let perTap = header.tokens * header.width
        for _ in header.taps {
            let tensor = Tensor(zeros: [header.tokens, header.width])
            let p = tensor.pointer
            bytes.withUnsafeBytes { raw in
                if header.patchBits == 16 {
                    for i in 0..<perTap {
                        p[i] = Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 2 * i,
                                                                                                as: UInt16.self))))
                    }
                } else {
                    for i in 0..<perTap {
                        p[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4 * i,
                                                                                         as: UInt32.self)))
                    }
                }
            }
            offset += header.patchBits / 8 * perTap
            tokens.append(tensor)
        }
        self.header = header
        encoding = ImageEncoding(imageEmbedding: embedding, classFeature: classFeature, patchTokens: tokens,
                                 taps: header.taps, gridRows: header.gridRows, gridColumns: header.gridColumns)
    }

    /// A record of `result`, the encoding of `contentHash` under `baseID`.
    init(result: InspectionResult, contentHash: String, baseID: String, halfPrecision: Bool) {
        let e = result.encoding
        header = Header(contentHash: contentHash, baseID: baseID, taps: e.taps, gridRows: e.gridRows,
                        gridColumns: e.gridColumns, tokens: e.patchTokens.first?.shape.first ?? 0,
                        width: e.patchTokens.first?.shape.last ?? 0, embeddingCount: e.imageEmbedding.count,
                        classFeatureCount: e.classFeature.count, patchBits: halfPrecision ? 16 : 32,
                        geometry: result.geometry, source: result.source)
        encoding = e
    }

    private static func payloadLength(_ h: Header) -> Int {
        4 * (h.embeddingCount + h.classFeatureCount) + h.patchBits / 8 * h.taps.count * h.tokens * h.width
    }

    private static func append<T: FixedWidthInteger>(_ out: inout [UInt8], _ value: T) {
        withUnsafeBytes(of: value.littleEndian) { out += $0 }
    }

    private static func load<T: FixedWidthInteger>(_ bytes: [UInt8], _ offset: Int) -> T {
        bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }
}
