import Foundation
import Inspection
import Store

/// Hand-built PNGs for mask tests: any colour type, bit depth and sample values (0/17/255,
/// 0/1, 16-bit), which the production encoder deliberately cannot produce. Deflate uses
/// stored blocks, so the file is valid without a compressor.
public enum TestPNG {
    /// `samples` row-major, `channels` per pixel (1 gray, 3 RGB), big-endian for 16-bit.
    public static func encode(width: Int, height: Int, channels: Int = 1, bitDepth: Int = 8, samples: [UInt16]) -> [UInt8] {
        precondition(samples.count == width * height * channels)
        var raw: [UInt8] = []
        for y in 0..<height {
            raw.append(0)
            for value in samples[(y * width * channels)..<((y + 1) * width * channels)] {
                if bitDepth == 16 { raw.append(UInt8(value >> 8)) }
                raw.append(UInt8(truncatingIfNeeded: value))
            }
        }
        var header: [UInt8] = []
        header += be32(UInt32(width)) + be32(UInt32(height))
        header += [UInt8(bitDepth), channels == 3 ? 2 : 0, 0, 0, 0]
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png += chunk("IHDR", header) + chunk("IDAT", zlibStored(raw)) + chunk("IEND", [])
        return png
    }

    /// A gray mask from a closure of the pixel position.
    public static func gray(width: Int, height: Int, _ value: (Int, Int) -> UInt16) -> [UInt8] {
        var samples: [UInt16] = []
        for y in 0..<height { for x in 0..<width { samples.append(value(x, y)) } }
        return encode(width: width, height: height, samples: samples)
    }

    private static func be32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
    }

    private static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(UInt32(data.count)) + body + be32(crc32(body))
    }

    private static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let n = min(65535, data.count - offset)
            let final: UInt8 = offset + n == data.count ? 1 : 0
            out += [final, UInt8(n & 0xff), UInt8(n >> 8), UInt8(~n & 0xff), UInt8((~n >> 8) & 0xff)]
            out += data[offset..<(offset + n)]
            offset += n
        } while offset < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return out + be32(b << 16 | a)
    }

    private static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
