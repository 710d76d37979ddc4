extension NormalMemoryBank {
    /// Format identifier at offset 0.
    static let magic: [UInt8] = Array("INSPMB01".utf8)
    /// Layout version after the magic.
    static let formatVersion: UInt32 = 1
    /// Magic + version + embedDim + layerCount + imageCount.
    static let fixedHeaderBytes = 8 + 4 * 4
    /// CRC-32 trailer.
    static let checksumBytes = 4

    /// The bank as bytes for the database. Layout (all integers UInt32 little-endian):
    ///
    ///     "INSPMB01" | version | embedDim | layerCount | imageCount | count[0..<layerCount]
    ///     | layer 0 rows, count[0]·embedDim Float32 LE | … | layer L−1 rows
    ///     | CRC-32 (IEEE) of everything before it, UInt32 LE
    ///
    /// The checksum is what lets a flipped bit inside the float payload be reported as corrupt
    /// instead of silently shifting every future distance.
    public func serialized() -> [UInt8] {
        let header = Self.fixedHeaderBytes + 4 * layerCount
        let payload = counts.reduce(0, +) * embedDim * 4
        var bytes = [UInt8](repeating: 0, count: header + payload + Self.checksumBytes)
        bytes.withUnsafeMutableBytes { raw in
            for (i, b) in Self.magic.enumerated() { raw[i] = b }
            var offset = 8
            func put(_ value: Int) {
                raw.storeBytes(of: UInt32(truncatingIfNeeded: value).littleEndian, toByteOffset: offset, as: UInt32.self)
                offset += 4
            }
            put(Int(Self.formatVersion))
            put(embedDim)
            put(layerCount)
            put(imageCount)
            for c in counts { put(c) }
            for (l, layer) in rows.enumerated() {
                let n = counts[l] * embedDim
                layer.withUnsafeBytes { values in
                    Self.copyLittleEndianFloats(from: values, to: UnsafeMutableRawBufferPointer(rebasing: raw[offset..<(offset + 4 * n)]))
                }
                offset += 4 * n
            }
            let crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<offset]))
            raw.storeBytes(of: crc.littleEndian, toByteOffset: offset, as: UInt32.self)
        }
        return bytes
    }

    /// Restores a bank written by `serialized()`. Anything that is not exactly such a bank
    /// (wrong magic or version, truncated, trailing bytes, inconsistent counts, checksum
    /// mismatch) throws `InspectionError.invalidLabel(item: "memory bank", …)`.
    public init(serialized bytes: [UInt8]) throws {
        func corrupt(_ reason: String) -> InspectionError {
            .invalidLabel(item: "memory bank", reason: reason)
        }
        guard bytes.count >= Self.fixedHeaderBytes + Self.checksumBytes else {
            throw corrupt("truncated: \(bytes.count) bytes is shorter than the smallest bank "
                + "(\(Self.fixedHeaderBytes + Self.checksumBytes) bytes)")
        }
        guard Array(bytes[0..<8]) == Self.magic else {
            throw corrupt("not a serialised memory bank (magic \(bytes[0..<8].map { String($0, radix: 16) }))")
        }
        func read(_ offset: Int) -> Int {
            let v = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
            return Int(UInt32(littleEndian: v))
        }
        let version = read(8)
        guard version == Int(Self.formatVersion) else {
            throw corrupt("unsupported format version \(version) (this build reads \(Self.formatVersion))")
        }
        let e = read(12)
        let layers = read(16)
        let images = read(20)
        // Sizes are checked against the byte count before anything is allocated from them,
        // so a corrupt header can neither overflow nor request gigabytes.
        let header = Self.fixedHeaderBytes + 4 * layers
        guard header + Self.checksumBytes <= bytes.count else {
            throw corrupt("truncated: \(layers) layers need a \(header)-byte header, only \(bytes.count) bytes in all")
        }
        let counts = (0..<layers).map { read(Self.fixedHeaderBytes + 4 * $0) }
        let available = bytes.count - header - Self.checksumBytes
        var floats = 0
        for c in counts {
            let (layerFloats, o1) = c.multipliedReportingOverflow(by: e)
            let (total, o2) = floats.addingReportingOverflow(layerFloats)
            guard !o1, !o2, total <= available / 4 else {
                throw corrupt("truncated: patch counts \(counts) of width \(e) need more than the \(available) payload bytes present")
            }
            floats = total
        }
        guard floats * 4 == available else {
            throw corrupt("\(available - floats * 4) unexpected trailing bytes after \(floats) values")
        }
        guard e > 0 || counts.allSatisfy({ $0 == 0 }) else {
            throw corrupt("holds patches \(counts) of width 0")
        }
        guard images > 0 || floats == 0 else {
            throw corrupt("holds \(counts.reduce(0, +)) patches but claims 0 images")
        }
        let end = header + floats * 4
        let crc = bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<end])) }
        guard crc == UInt32(read(end)) else {
            throw corrupt("checksum mismatch: the data was altered or damaged")
        }

        var rows = [[Float]]()
        rows.reserveCapacity(layers)
        var offset = header
        bytes.withUnsafeBytes { raw in
            for c in counts {
                let n = c * e
                rows.append([Float](unsafeUninitializedCapacity: n) { values, initialized in
                    Self.copyLittleEndianFloats(from: UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + 4 * n)]),
                                                to: UnsafeMutableRawBufferPointer(values))
                    initialized = n
                })
                offset += 4 * n
            }
        }
        self.init(embedDim: e, imageCount: images, rows: rows, counts: counts)
    }

    /// Copies Float32 values between native memory and little-endian bytes (either
    /// direction; the byte swap is its own inverse). A plain copy on little-endian hosts.
    static func copyLittleEndianFloats(from source: UnsafeRawBufferPointer, to destination: UnsafeMutableRawBufferPointer) {
        let count = min(source.count, destination.count)
        #if _endian(little)
        if count > 0, let s = source.baseAddress, let d = destination.baseAddress {
            d.copyMemory(from: s, byteCount: count)
        }
        #else
        for i in stride(from: 0, to: count - 3, by: 4) {
            let bits = source.loadUnaligned(fromByteOffset: i, as: UInt32.self)
            destination.storeBytes(of: bits.byteSwapped, toByteOffset: i, as: UInt32.self)
        }
        #endif
    }
}
