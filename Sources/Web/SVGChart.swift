import Foundation
import Store

/// Server-rendered SVG charts: verdict counts per hour or day (stacked bars with the yield
/// as a line), and the score histogram with the thresholds drawn in. Sizes and colours are
/// attributes, so the pages need no inline style.
enum SVGChart {
    static let colours = ["pass": "#2e9d4f", "review": "#e0a020", "fail": "#c93535", "error": "#777777"]

    /// Stacked verdict counts for consecutive buckets from `start`, `count` of them.
    static func verdictBars(_ stats: [StationStats], start: Double, width bucket: Double, count: Int,
                            label: (Double) -> String) -> String {
        let (w, h, left, bottom, top) = (760.0, 220.0, 40.0, 30.0, 10.0)
        let plotW = w - left - 40, plotH = h - bottom - top
        var byBucket: [Int: StationStats] = [:]
        for s in stats {
            guard let b = s.bucketStart else { continue }
            byBucket[Int(((b - start) / bucket).rounded())] = s
        }
        let maxTotal = max(1, byBucket.values.map { $0.pass + $0.review + $0.fail + $0.errors }.max() ?? 1)
        let barW = plotW / Double(count)
        var svg = "<svg class=\"chart\" width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" role=\"img\">"
        svg += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"#1b1e23\"/>"
        svg += "<text x=\"\(f(left - 4))\" y=\"\(f(top + 10))\" text-anchor=\"end\" class=\"axis\">\(maxTotal)</text>"
        svg += "<text x=\"\(f(left - 4))\" y=\"\(f(top + plotH))\" text-anchor=\"end\" class=\"axis\">0</text>"
        svg += "<text x=\"\(f(w - 4))\" y=\"\(f(top + 10))\" text-anchor=\"end\" class=\"axis\">100%</text>"
        var yieldPoints: [String] = []
        for index in 0..<count {
            let x = left + Double(index) * barW
            if let s = byBucket[index] {
                var y = top + plotH
                for (n, key) in [(s.pass, "pass"), (s.review, "review"), (s.fail, "fail"), (s.errors, "error")] where n > 0 {
                    let barH = plotH * Double(n) / Double(maxTotal)
                    y -= barH
                    svg += "<rect x=\"\(f(x + 1))\" y=\"\(f(y))\" width=\"\(f(max(barW - 2, 1)))\" height=\"\(f(barH))\" "
                        + "fill=\"\(colours[key] ?? "#999")\"><title>\(label(start + Double(index) * bucket)): \(n) \(key)</title></rect>"
                }
                if let yield = s.yield {
                    yieldPoints.append("\(f(x + barW / 2)),\(f(top + plotH * (1 - yield)))")
                }
            }
            if count <= 60, index % max(1, count / 8) == 0 {
                svg += "<text x=\"\(f(x))\" y=\"\(f(h - 10))\" class=\"axis\">\(HTML.escape(label(start + Double(index) * bucket)))</text>"
            }
        }
        if yieldPoints.count > 1 {
            svg += "<polyline points=\"\(yieldPoints.joined(separator: " "))\" fill=\"none\" stroke=\"#9fd3ff\" stroke-width=\"2\"/>"
        }
        return svg + "</svg>"
    }

    /// A histogram of `scores` over [0, 1] in `bins` bins, with vertical threshold lines.
    static func scoreHistogram(_ scores: [Double], bins: Int = 50, review: Double?, fail: Double?) -> String {
        let (w, h, left, bottom, top) = (760.0, 200.0, 40.0, 30.0, 10.0)
        let plotW = w - left - 20, plotH = h - bottom - top
        var counts = [Int](repeating: 0, count: bins)
        for score in scores where score.isFinite {
            counts[min(max(Int(score * Double(bins)), 0), bins - 1)] += 1
        }
        let maxCount = max(1, counts.max() ?? 1)
        let barW = plotW / Double(bins)
        var svg = "<svg class=\"chart\" width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" role=\"img\">"
        svg += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"#1b1e23\"/>"
        for (index, count) in counts.enumerated() where count > 0 {
            let barH = plotH * Double(count) / Double(maxCount)
            let lo = Double(index) / Double(bins)
            let colour = fail.map { lo >= $0 } == true ? colours["fail"]! : review.map { lo >= $0 } == true ? colours["review"]! : colours["pass"]!
            svg += "<rect x=\"\(f(left + Double(index) * barW + 0.5))\" y=\"\(f(top + plotH - barH))\" width=\"\(f(max(barW - 1, 1)))\" "
                + "height=\"\(f(barH))\" fill=\"\(colour)\"><title>\(String(format: "%.2f–%.2f", lo, lo + 1 / Double(bins))): \(count)</title></rect>"
        }
        for (value, name) in [(review, "review"), (fail, "fail")] {
            guard let value else { continue }
            let x = left + plotW * min(max(value, 0), 1)
            svg += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(top + plotH))\" stroke=\"#ffffff\" stroke-dasharray=\"4 3\"/>"
                + "<text x=\"\(f(x + 3))\" y=\"\(f(top + 12))\" class=\"axis\">\(name) \(HTML.number(value, digits: 2))</text>"
        }
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            svg += "<text x=\"\(f(left + plotW * tick))\" y=\"\(f(h - 10))\" text-anchor=\"middle\" class=\"axis\">\(String(format: "%.2f", tick))</text>"
        }
        svg += "<text x=\"\(f(left - 4))\" y=\"\(f(top + 10))\" text-anchor=\"end\" class=\"axis\">\(maxCount)</text>"
        return svg + "</svg>"
    }

    private static func f(_ value: Double) -> String { String(format: "%.1f", value) }
}
