import Foundation

/// Renders an anomaly map for people: the original image dimmed, the map in the Turbo colour
/// map blended over it (stronger where the map is higher), a legend bar with the value range,
/// and a caption (verdict and score). Large images are shrunk first so overlays stay small.
public struct OverlayRenderer: Sendable {
    /// Longest side of the rendered overlay, in pixels.
    public var maxSide: Int = 1024
    /// Small images are enlarged to at least this longest side so the map stays readable.
    public var minSide: Int = 320
    /// Brightness kept of the original under the overlay.
    public var dim: Double = 0.55
    /// Opacity of the colour map at the top of the range.
    public var maxOpacity: Double = 0.75

    /// Default look.
    public init() {}

    /// Draws `map` (in `geometry`'s model-input coordinates) over `original`. Values are
    /// coloured over `range` (default: the map's own range; pass a fixed range such as 0…L to
    /// compare images).
    public func render(original: RGBImage, map: AnomalyMap, geometry: InputGeometry,
                       range: ClosedRange<Float>? = nil, caption: String) -> RGBImage {
        let longSide = Double(max(original.width, original.height))
        let scale = min(Double(maxSide) / longSide, max(1, Double(minSide) / longSide))
        let w = max(1, Int(Double(original.width) * scale))
        let h = max(1, Int(Double(original.height) * scale))
        let legendWidth = 70
        let captionHeight = 24
        let canvasW = w + legendWidth
        let canvasH = max(h, 140) + captionHeight
        var canvas = RGBImage(width: canvasW, height: canvasH, pixels: [UInt8](repeating: 24, count: canvasW * canvasH * 3))
        let span = range ?? map.range
        let lo = Double(span.lowerBound)
        let width = max(Double(span.upperBound) - lo, 1e-12)
        let sx = Double(original.width) / Double(w)
        let sy = Double(original.height) / Double(h)
        for y in 0..<h {
            for x in 0..<w {
                let ox = (Double(x) + 0.5) * sx - 0.5
                let oy = (Double(y) + 0.5) * sy - 0.5
                let src = 3 * (min(Int(oy + 0.5), original.height - 1) * original.width + min(Int(ox + 0.5), original.width - 1))
                let t = Self.level(map, geometry, originalX: ox, originalY: oy, lo: lo, width: width)
                let (r, g, b) = ColorMap.turbo(t)
                let a = maxOpacity * min(max(t, 0.15), 1)
                let dst = 3 * ((y + captionHeight) * canvasW + x)
                canvas.pixels[dst] = blend(original.pixels[src], r, a)
                canvas.pixels[dst + 1] = blend(original.pixels[src + 1], g, a)
                canvas.pixels[dst + 2] = blend(original.pixels[src + 2], b, a)
            }
        }
        drawLegend(into: &canvas, x: w + 12, top: captionHeight + 16, height: max(h, 140) - 32, lo: lo, hi: lo + width)
        BitmapFont.draw(caption, x: 6, y: 4, scale: 2, color: (240, 240, 240), into: &canvas)
        return canvas
    }

    /// The map at a point of the original image, as a fraction of the colour range.
    @inline(__always)
    static func level(_ map: AnomalyMap, _ geometry: InputGeometry, originalX x: Double, originalY y: Double,
                      lo: Double, width: Double) -> Double {
        let p = geometry.inputPoint(originalX: x, originalY: y)
        return (Double(map.sample(x: p.u, y: p.v)) - lo) / width
    }

    @inline(__always)
    private func blend(_ base: UInt8, _ color: UInt8, _ alpha: Double) -> UInt8 {
        let v = Double(base) * dim * (1 - alpha) + Double(color) * alpha
        return UInt8(min(max(v, 0), 255) + 0.5)
    }

    private func drawLegend(into canvas: inout RGBImage, x: Int, top: Int, height: Int, lo: Double, hi: Double) {
        let barWidth = 14
        for row in 0..<max(height, 1) {
            let t = 1 - Double(row) / Double(max(height - 1, 1))
            let (r, g, b) = ColorMap.turbo(t)
            for col in 0..<barWidth {
                let xx = x + col, yy = top + row
                guard xx < canvas.width, yy < canvas.height else { continue }
                let i = 3 * (yy * canvas.width + xx)
                canvas.pixels[i] = r
                canvas.pixels[i + 1] = g
                canvas.pixels[i + 2] = b
            }
        }
        BitmapFont.draw(String(format: "%.2f", hi), x: x + barWidth + 4, y: top, scale: 1, color: (230, 230, 230), into: &canvas)
        BitmapFont.draw(String(format: "%.2f", lo), x: x + barWidth + 4, y: top + height - BitmapFont.glyphHeight,
                        scale: 1, color: (230, 230, 230), into: &canvas)
    }
}
