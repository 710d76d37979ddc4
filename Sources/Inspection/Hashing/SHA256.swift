/// SHA-256 (FIPS 180-4), written out here so the content fingerprint needs no extra package.
/// Blocks are compressed straight from the caller's buffer; only a partial trailing block is
/// copied, so hashing a large file allocates nothing per block.
struct SHA256 {
    private var state = SIMD8<UInt32>(0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19)
    /// Bytes waiting for a full 64-byte block.
    private var pending = [UInt8](repeating: 0, count: 64)
    private var pendingCount = 0
    /// Message length in bytes; the padding stores it in bits modulo 2^64.
    private var length: UInt64 = 0

    init() {}

    /// Absorbs `bytes`.
    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var base = bytes.baseAddress, bytes.count > 0 else { return }
        var remaining = bytes.count
        length &+= UInt64(remaining)
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16) { schedule in
            Self.roundConstants.withUnsafeBufferPointer { k in
                if pendingCount > 0 {
                    let take = min(64 - pendingCount, remaining)
                    pending.withUnsafeMutableBytes { buffer in
                        if let start = buffer.baseAddress {
                            (start + pendingCount).copyMemory(from: base, byteCount: take)
                        }
                    }
                    pendingCount += take
                    base += take
                    remaining -= take
                    if pendingCount == 64 {
                        pending.withUnsafeBytes { buffer in
                            if let start = buffer.baseAddress {
                                Self.compress(start, into: &state, schedule: schedule, k: k)
                            }
                        }
                        pendingCount = 0
                    }
                }
                while remaining >= 64 {
                    Self.compress(base, into: &state, schedule: schedule, k: k)
                    base += 64
                    remaining -= 64
                }
                if remaining > 0 {
                    pending.withUnsafeMutableBytes { buffer in
                        buffer.baseAddress?.copyMemory(from: base, byteCount: remaining)
                    }
                    pendingCount = remaining
                }
            }
        }
    }

    /// Absorbs `bytes`.
    mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Pads, processes the last block(s) and returns the 32-byte digest. The hasher is spent
    /// afterwards.
    mutating func finalize() -> [UInt8] {
        let bitLength = length &* 8
        // 0x80, zeros up to 56 mod 64, then the 64-bit big-endian bit length.
        let padded = (pendingCount < 56 ? 56 : 120) - pendingCount
        var tail = [UInt8](repeating: 0, count: padded + 8)
        tail[0] = 0x80
        for i in 0..<8 {
            tail[padded + i] = UInt8(truncatingIfNeeded: bitLength >> (56 - 8 * UInt64(i)))
        }
        update(tail)
        var digest = [UInt8]()
        digest.reserveCapacity(32)
        for i in 0..<8 {
            let word = state[i]
            digest.append(UInt8(truncatingIfNeeded: word >> 24))
            digest.append(UInt8(truncatingIfNeeded: word >> 16))
            digest.append(UInt8(truncatingIfNeeded: word >> 8))
            digest.append(UInt8(truncatingIfNeeded: word))
        }
        return digest
    }

    /// One 64-byte block. `w` is 16 words of caller-supplied scratch holding a rolling window
    /// of the message schedule.
    @inline(__always)
    private static func compress(_ block: UnsafeRawPointer, into state: inout SIMD8<UInt32>,
                                 schedule w: UnsafeMutableBufferPointer<UInt32>,
                                 k: UnsafeBufferPointer<UInt32>) {
        for t in 0..<16 {
            w[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: 4 * t, as: UInt32.self))
        }
        var a = state[0], b = state[1], c = state[2], d = state[3]
        var e = state[4], f = state[5], g = state[6], h = state[7]
        for t in 0..<64 {
            let wt: UInt32
            if t < 16 {
                wt = w[t]
            } else {
                let x = w[(t - 15) & 15], y = w[(t - 2) & 15]
                let s0 = x.rotatedRight(7) ^ x.rotatedRight(18) ^ (x &>> 3)
                let s1 = y.rotatedRight(17) ^ y.rotatedRight(19) ^ (y &>> 10)
                wt = w[t & 15] &+ s0 &+ w[(t - 7) & 15] &+ s1
                w[t & 15] = wt
            }
            let s1 = e.rotatedRight(6) ^ e.rotatedRight(11) ^ e.rotatedRight(25)
            // Ch and Maj in their one-operation-shorter equivalent forms.
            let choose = g ^ (e & (f ^ g))
            let t1 = h &+ s1 &+ choose &+ k[t] &+ wt
            let s0 = a.rotatedRight(2) ^ a.rotatedRight(13) ^ a.rotatedRight(22)
            let majority = (a & b) | (c & (a | b))
            let t2 = s0 &+ majority
            h = g
            g = f
            f = e
            e = d &+ t1
            d = c
            c = b
            b = a
            a = t1 &+ t2
        }
        state &+= SIMD8(a, b, c, d, e, f, g, h)
    }

    /// The first 32 bits of the fractional parts of the cube roots of the first 64 primes.
    private static let roundConstants: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]
}

extension UInt32 {
    @inline(__always)
    fileprivate func rotatedRight(_ n: UInt32) -> UInt32 {
        (self &>> n) | (self &<< (32 &- n))
    }
}
