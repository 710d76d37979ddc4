/// Lossless-enough compact storage of an anomaly map: a 16-bit grayscale PNG plus the value
/// range it spans. Quantisation error is at most (max − min) / 131070 — far below any
/// threshold — and a 518² map takes a few tens of kB instead of 1 MB of floats.
public struct EncodedMap: Sendable, Equatable, Codable {
    /// Format version of this encoding, stored with it.
    public static let formatVersion = 1
    /// Columns.
    public let width: Int
    /// Rows.
    public let height: Int
    /// Value that sample 0 stands for.
    public let minimum: Float
    /// Value that sample 65535 stands for.
    public let maximum: Float
    /// The 16-bit grayscale PNG.
    public let png: [UInt8]

    /// Quantises and encodes `map`.
    public init(_ map: AnomalyMap) throws {
        let range = map.range
        let span = range.upperBound - range.lowerBound
        let samples: [UInt16] = map.values.map { v in
            guard span > 0 else { return 0 }
            let q = ((v - range.lowerBound) / span * 65535).rounded()
            return UInt16(min(max(q, 0), 65535))
        }
        width = map.width
        height = map.height
        minimum = range.lowerBound
        maximum = range.upperBound
        png = try PNGEncoder.encodeGray16(width: map.width, height: map.height, values: samples)
    }

    /// Wraps stored parts (e.g. read back from the database).
    public init(width: Int, height: Int, minimum: Float, maximum: Float, png: [UInt8]) {
        self.width = width
        self.height = height
        self.minimum = minimum
        self.maximum = maximum
        self.png = png
    }

    /// Decodes back to float values.
    public func decode() throws -> AnomalyMap {
        let decoded = try PNGEncoder.decodeGray16(png)
        guard decoded.width == width, decoded.height == height else {
            throw InspectionError.corruptImage(path: "(stored map)",
                                               detail: "PNG is \(decoded.width)x\(decoded.height), record says \(width)x\(height)")
        }
        let span = maximum - minimum
        return try AnomalyMap(width: width, height: height,
                              values: decoded.values.map { minimum + Float($0) / 65535 * span })
    }
}
