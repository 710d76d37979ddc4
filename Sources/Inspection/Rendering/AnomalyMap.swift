/// A single-channel float map with its size; the anomaly map in model-input or original
/// image coordinates.
public struct AnomalyMap: Sendable, Equatable {
    /// Columns.
    public let width: Int
    /// Rows.
    public let height: Int
    /// Row-major values, `width · height`.
    public let values: [Float]

    /// Wraps values; the count must equal `width · height`.
    public init(width: Int, height: Int, values: [Float]) throws {
        guard width > 0, height > 0, values.count == width * height else {
            throw InspectionError.invalidSetting(name: "map", value: "\(width)x\(height) with \(values.count) values",
                                                 reason: "value count must equal width x height")
        }
        self.width = width
        self.height = height
        self.values = values
    }

    /// Smallest and largest value.
    public var range: ClosedRange<Float> {
        guard let lo = values.min(), let hi = values.max() else { return 0...0 }
        return lo...hi
    }

    /// Bilinear sample at continuous pixel-centre coordinates (clamped to the edges).
    @inline(__always)
    public func sample(x: Double, y: Double) -> Float {
        let fx = min(max(x, 0), Double(width - 1))
        let fy = min(max(y, 0), Double(height - 1))
        let x0 = Int(fx), y0 = Int(fy)
        let x1 = min(x0 + 1, width - 1), y1 = min(y0 + 1, height - 1)
        let ax = Float(fx - Double(x0)), ay = Float(fy - Double(y0))
        let top = values[y0 * width + x0] * (1 - ax) + values[y0 * width + x1] * ax
        let bottom = values[y1 * width + x0] * (1 - ax) + values[y1 * width + x1] * ax
        return top * (1 - ay) + bottom * ay
    }
}
