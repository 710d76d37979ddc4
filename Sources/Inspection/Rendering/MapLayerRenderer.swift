/// The anomaly map alone, coloured and laid out in the original image's coordinates, so a
/// browser can stack it over the full-resolution original as a layer with its own opacity.
/// The layer is at most `maxSide` pixels on its long side (maps are coarse; the browser
/// scales it to the image), and the colours span `range`, the same as the legend shown.
public struct MapLayerRenderer: Sendable {
    public var maxSide = 512

    public init() {}

    /// RGB pixels of the Turbo-coloured map over `range` (default: the map's own range).
    public func render(map: AnomalyMap, geometry: InputGeometry, range: ClosedRange<Float>? = nil) -> RGBImage {
        draw(map: map, geometry: geometry, range: range) { t, _, _, _ in ColorMap.turbo(t) }
    }

    /// A small preview for lists: `original` shrunk to at most `maxSide`, dimmed, with the map
    /// blended over it the way ``OverlayRenderer`` does (stronger where the map is higher),
    /// without legend or caption. A missing original (moved by the station) is drawn grey.
    public func thumbnail(original: RGBImage?, map: AnomalyMap, geometry: InputGeometry,
                          range: ClosedRange<Float>? = nil, dim: Double = 0.6, maxOpacity: Double = 0.7) -> RGBImage {
        draw(map: map, geometry: geometry, range: range) { t, ox, oy, _ in
            let colour = ColorMap.turbo(t)
            let alpha = maxOpacity * min(max(t, 0.15), 1)
            var base: (Double, Double, Double) = (128, 128, 128)
            if let original, original.width > 0, original.height > 0 {
                let i = 3 * (min(max(Int(oy + 0.5), 0), original.height - 1) * original.width
                             + min(max(Int(ox + 0.5), 0), original.width - 1))
                base = (Double(original.pixels[i]), Double(original.pixels[i + 1]), Double(original.pixels[i + 2]))
            }
            func mix(_ under: Double, _ over: UInt8) -> UInt8 {
                UInt8(min(max(under * dim * (1 - alpha) + Double(over) * alpha, 0), 255) + 0.5)
            }
            return (mix(base.0, colour.0), mix(base.1, colour.1), mix(base.2, colour.2))
        }
    }

    /// Walks the output pixels (original geometry, at most `maxSide`), handing `pixel` the
    /// map level in [0, 1] over the range and the point in original-image coordinates.
    private func draw(map: AnomalyMap, geometry: InputGeometry, range: ClosedRange<Float>?,
                      pixel: (Double, Double, Double, Int) -> (UInt8, UInt8, UInt8)) -> RGBImage {
        let longSide = Double(max(geometry.originalWidth, geometry.originalHeight, 1))
        let scale = min(1, Double(maxSide) / longSide)
        let w = max(1, Int(Double(geometry.originalWidth) * scale))
        let h = max(1, Int(Double(geometry.originalHeight) * scale))
        let span = range ?? map.range
        let lo = Double(span.lowerBound)
        let width = max(Double(span.upperBound) - lo, 1e-12)
        let sx = Double(geometry.originalWidth) / Double(w)
        let sy = Double(geometry.originalHeight) / Double(h)
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                let ox = (Double(x) + 0.5) * sx - 0.5, oy = (Double(y) + 0.5) * sy - 0.5
                let t = OverlayRenderer.level(map, geometry, originalX: ox, originalY: oy, lo: lo, width: width)
                let i = 3 * (y * w + x)
                (pixels[i], pixels[i + 1], pixels[i + 2]) = pixel(t, ox, oy, i)
            }
        }
        return RGBImage(width: w, height: h, pixels: pixels)
    }

    /// CSS colours of the legend from the bottom (low) to the top (high) of the range.
    public static func legendStops(count: Int = 9) -> [String] {
        (0..<max(count, 2)).map { index in
            let (r, g, b) = ColorMap.turbo(Double(index) / Double(max(count, 2) - 1))
            return "rgb(\(r),\(g),\(b))"
        }
    }
}
