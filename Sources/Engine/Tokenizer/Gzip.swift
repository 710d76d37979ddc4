import CZlib

/// gzip decompression through the system zlib, so the engine needs no compression code of its own.
enum Gzip {
    /// Why decompression failed, in words a user can act on.
    struct DecompressionError: Error, Sendable {
        let reason: String
    }

    /// zlib's window-bits value that selects gzip framing (16) with the largest window (15).
    private static let gzipWindowBits: Int32 = 16 + 15

    /// Inflates a complete gzip file. Concatenated members are joined, like Python's `gzip.open().read()`.
    static func decompress(_ input: [UInt8]) throws -> [UInt8] {
        guard !input.isEmpty else { throw DecompressionError(reason: "file is empty") }
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 4)
        var stream = z_stream()
        let initStatus = inspectd_inflate_init2(&stream, gzipWindowBits)
        guard initStatus == Z_OK else {
            throw DecompressionError(reason: "inflateInit2 failed (zlib status \(initStatus))")
        }
        defer { inflateEnd(&stream) }

        let chunkSize = 1 << 16
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        try input.withUnsafeBufferPointer { inBuffer in
            guard let base = inBuffer.baseAddress else { return }
            stream.next_in = UnsafeMutablePointer(mutating: base)
            stream.avail_in = UInt32(inBuffer.count)
            while true {
                let status: Int32 = chunk.withUnsafeMutableBufferPointer { outBuffer in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = UInt32(chunkSize)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunkSize - Int(stream.avail_out)
                output.append(contentsOf: chunk[0 ..< produced])
                switch status {
                case Z_OK:
                    if stream.avail_in == 0 && produced == 0 {
                        throw DecompressionError(reason: "gzip stream is truncated")
                    }
                case Z_BUF_ERROR:
                    // No progress possible: the input ended in the middle of a member.
                    throw DecompressionError(reason: "gzip stream is truncated")
                case Z_STREAM_END:
                    if stream.avail_in == 0 { return }
                    // Another gzip member follows; keep reading it into the same output.
                    let resetStatus = inflateReset(&stream)
                    guard resetStatus == Z_OK else {
                        throw DecompressionError(reason: "inflateReset failed (zlib status \(resetStatus))")
                    }
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                    throw DecompressionError(reason: "not a valid gzip stream: \(message)")
                }
            }
        }
        return output
    }
}
