/// The anomaly map alone, coloured and laid out in the original image's coordinates, so a
/// browser can stack it over the full-resolution original as a layer with its own opacity.
/// The layer is at most `maxSide` pixels on its long side (maps are coarse; the browser
/// scales it to the image), and the colours span `range`, the same as the legend shown.
public struct MapLayerRenderer: Sendable {
    public var maxSide = 512

    public init() {}

    /// RGB pixels of the Turbo-coloured map over `range` (default: the map's own range).
    public func render(map: AnomalyMap, geometry: InputGeometry, range: ClosedRange<Float>? = nil) -> RGBImage {
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
                let p = geometry.inputPoint(originalX: (Double(x) + 0.5) * sx - 0.5, originalY: (Double(y) + 0.5) * sy - 0.5)
                let (r, g, b) = ColorMap.turbo((Double(map.sample(x: p.u, y: p.v)) - lo) / width)
                let i = 3 * (y * w + x)
                pixels[i] = r
                pixels[i + 1] = g
                pixels[i + 2] = b
            }
        }
        return RGBImage(width: w, height: h, pixels: pixels)
    }

    /// A small preview for lists: `original` shrunk to at most `maxSide`, dimmed, with the map
    /// blended over it the way ``OverlayRenderer`` does (stronger where the map is higher),
    /// without legend or caption. A missing original (moved by the station) is drawn grey.
    public func thumbnail(original: RGBImage?, map: AnomalyMap, geometry: InputGeometry,
                          range: ClosedRange<Float>? = nil, dim: Double = 0.6, maxOpacity: Double = 0.7) -> RGBImage {
        let layer = render(map: map, geometry: geometry, range: range)
        let (w, h) = (layer.width, layer.height)
        var pixels = layer.pixels
        let span = range ?? map.range
        let lo = Double(span.lowerBound)
        let width = max(Double(span.upperBound) - lo, 1e-12)
        let sx = Double(geometry.originalWidth) / Double(w)
        let sy = Double(geometry.originalHeight) / Double(h)
        for y in 0..<h {
            for x in 0..<w {
                let ox = (Double(x) + 0.5) * sx - 0.5, oy = (Double(y) + 0.5) * sy - 0.5
                let p = geometry.inputPoint(originalX: ox, originalY: oy)
                let t = (Double(map.sample(x: p.u, y: p.v)) - lo) / width
                let alpha = maxOpacity * min(max(t, 0.15), 1)
                let i = 3 * (y * w + x)
                for channel in 0..<3 {
                    var base = 128.0
                    if let original, original.width > 0, original.height > 0 {
                        let sxi = min(max(Int(ox + 0.5), 0), original.width - 1)
                        let syi = min(max(Int(oy + 0.5), 0), original.height - 1)
                        base = Double(original.pixels[3 * (syi * original.width + sxi) + channel])
                    }
                    let value = base * dim * (1 - alpha) + Double(pixels[i + channel]) * alpha
                    pixels[i + channel] = UInt8(min(max(value, 0), 255) + 0.5)
                }
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
