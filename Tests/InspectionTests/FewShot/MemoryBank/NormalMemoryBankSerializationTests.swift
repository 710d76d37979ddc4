@testable import Engine
@testable import Inspection
import Testing

/// The stored form: exact round trip, the documented layout, and a specific error (never a
/// crash or a huge allocation) for anything truncated, padded or altered.
@Suite struct NormalMemoryBankSerializationTests {
    typealias F = MemoryBankFixture

    static func sampleBank() throws -> NormalMemoryBank {
        var bank = NormalMemoryBank(embedDim: 12, layerCount: 3)
        for seed in UInt64(0)..<UInt64(3) {
            try bank.add(F.random(seed: seed, layers: 3, rows: 3, columns: 4, e: 12), layers: [2, 0, 1])
        }
        return bank
    }

    static func uint32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }

    static func withUInt32(_ bytes: [UInt8], at offset: Int, _ value: UInt32) -> [UInt8] {
        var b = bytes
        for i in 0..<4 { b[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
        return b
    }

    @Test func roundTripsExactly() throws {
        let bank = try Self.sampleBank()
        for original in [bank, bank.coreset(maxPatchesPerLayer: 5, seed: 3), NormalMemoryBank(embedDim: 7, layerCount: 2),
                         NormalMemoryBank(embedDim: 5, layerCount: 0)] {
            let bytes = original.serialized()
            let restored = try NormalMemoryBank(serialized: bytes)
            #expect(restored.embedDim == original.embedDim)
            #expect(restored.layerCount == original.layerCount)
            #expect(restored.imageCount == original.imageCount)
            #expect(restored.patchCounts == original.patchCounts)
            #expect(restored.rows.map { $0.map(\.bitPattern) } == original.rows.map { $0.map(\.bitPattern) })
            #expect(restored.serialized() == bytes)
        }
        // A restored bank scores exactly like the original.
        let query = F.random(seed: 9, layers: 3, rows: 3, columns: 4, e: 12)
        let restored = try NormalMemoryBank(serialized: bank.serialized())
        #expect(try restored.patchDistances(query, layers: [2, 0, 1]) == bank.patchDistances(query, layers: [2, 0, 1]))
    }

    @Test func layoutMatchesTheDocumentedHeader() throws {
        let bank = try Self.sampleBank()
        let bytes = bank.serialized()
        #expect(Array(bytes[0..<8]) == Array("INSPMB01".utf8))
        #expect(Self.uint32(bytes, at: 8) == 1)
        #expect(Self.uint32(bytes, at: 12) == 12)
        #expect(Self.uint32(bytes, at: 16) == 3)
        #expect(Self.uint32(bytes, at: 20) == 3)
        #expect((0..<3).map { Self.uint32(bytes, at: 24 + 4 * $0) } == [36, 36, 36])
        #expect(bytes.count == 24 + 12 + 3 * 36 * 12 * 4 + 4)
        // First payload value: layer 0, row 0, component 0, little-endian Float32.
        #expect(Self.uint32(bytes, at: 36) == bank.rows[0][0].bitPattern)
        // Trailer: CRC-32 of everything before it.
        let crc = Array(bytes.dropLast(4)).withUnsafeBytes { CRC32.checksum($0) }
        #expect(Self.uint32(bytes, at: bytes.count - 4) == crc)
    }

    @Test func crc32MatchesTheStandardCheckValues() {
        func crc(_ s: String) -> UInt32 { Array(s.utf8).withUnsafeBytes { CRC32.checksum($0) } }
        #expect(crc("123456789") == 0xCBF4_3926)
        #expect(crc("") == 0)
        #expect(crc("The quick brown fox jumps over the lazy dog") == 0x414F_A339)
        // Lengths around the 8-byte stride agree with the bytewise definition.
        for n in 0..<20 {
            let data = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            var reference: UInt32 = 0xFFFF_FFFF
            for b in data {
                reference ^= UInt32(b)
                for _ in 0..<8 { reference = reference & 1 != 0 ? 0xEDB8_8320 ^ (reference >> 1) : reference >> 1 }
            }
            #expect(data.withUnsafeBytes { CRC32.checksum($0) } == ~reference, "length \(n)")
        }
    }

    @Test func rejectsTruncatedData() throws {
        let bytes = try Self.sampleBank().serialized()
        let header = 24 + 12
        for length in [0, 1, 7, 8, 20, 23, 24, 30, header, header + 1, header + 100, bytes.count - 33, bytes.count - 32,
                       bytes.count - 1] {
            let error = F.error { try NormalMemoryBank(serialized: Array(bytes.prefix(length))) }
            #expect(F.isCorruptBank(error), "length \(length): \(String(describing: error))")
        }
        #expect(F.isCorruptBank(F.error { try NormalMemoryBank(serialized: Array(bytes.prefix(bytes.count - 4))) },
                                "truncated"))
    }

    @Test func rejectsCorruptData() throws {
        let bytes = try Self.sampleBank().serialized()
        func rejects(_ data: [UInt8], _ fragment: String, _ comment: Comment) {
            let error = F.error { try NormalMemoryBank(serialized: data) }
            #expect(F.isCorruptBank(error, fragment), comment)
        }
        var magic = bytes
        magic[3] ^= 0x20
        rejects(magic, "magic", "magic")
        rejects(Self.withUInt32(bytes, at: 8, 2), "version", "version")
        rejects(bytes + [0], "trailing", "trailing byte")
        rejects(bytes + [UInt8](repeating: 0, count: 48), "trailing", "trailing row")
        // Counts that would need far more data (or overflow) are caught before allocating.
        rejects(Self.withUInt32(bytes, at: 24, .max), "truncated", "huge count")
        rejects(Self.withUInt32(bytes, at: 12, .max), "truncated", "huge width")
        rejects(Self.withUInt32(bytes, at: 16, .max), "truncated", "huge layer count")
        // Counts that still add up to the same payload size: only the checksum notices.
        let swapped = Self.withUInt32(Self.withUInt32(bytes, at: 24, 35), at: 28, 37)
        rejects(swapped, "checksum", "recounted layers")
        rejects(Self.withUInt32(bytes, at: 20, 7), "checksum", "image count")
        // One flipped bit in the float payload or in the digest.
        for offset in [36, 36 + 4 * 500, bytes.count - 40, bytes.count - 1] {
            var flipped = bytes
            flipped[offset] ^= 0x01
            rejects(flipped, "checksum", "bit flip at \(offset)")
        }
        rejects(Self.withUInt32(bytes, at: 20, 0), "0 images", "patches without images")
    }
}
