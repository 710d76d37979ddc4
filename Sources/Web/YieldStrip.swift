import Foundation
import Store

/// The last hour per station: one stacked bar (pass / review / fail / error) and the yield,
/// as inline SVG (attributes, not style, so the CSP needs no 'unsafe-inline').
struct YieldStrip {
    let store: VerdictStore
    let stations: [String]

    func render(now: Double = Date().timeIntervalSince1970) throws -> String {
        let stats = try store.stats(VerdictFilter(since: now - 3600), bucket: .none)
        var html = "<section class=\"strip\" id=\"yield-strip\"><h2>Last hour</h2>"
        for station in stations {
            let s = stats.first { $0.station == station }
            html += Self.bar(station: station, stats: s)
        }
        if stations.isEmpty { html += "<p>No stations yet.</p>" }
        return html + "</section>"
    }

    static func bar(station: String, stats: StationStats?) -> String {
        let total = max(stats?.total ?? 0, 0)
        let parts: [(Int, String)] = [(stats?.pass ?? 0, "#2e9d4f"), (stats?.review ?? 0, "#e0a020"),
                                      (stats?.fail ?? 0, "#c93535"), (stats?.errors ?? 0, "#777")]
        var svg = "<svg class=\"yield\" width=\"240\" height=\"14\" viewBox=\"0 0 240 14\" role=\"img\">"
        var x = 0.0
        for (count, colour) in parts where count > 0 && total > 0 {
            let width = 240 * Double(count) / Double(total)
            svg += "<rect x=\"\(String(format: "%.2f", x))\" y=\"0\" width=\"\(String(format: "%.2f", width))\" height=\"14\" fill=\"\(colour)\"/>"
            x += width
        }
        if total == 0 { svg += "<rect x=\"0\" y=\"0\" width=\"240\" height=\"14\" fill=\"#333\"/>" }
        svg += "</svg>"
        let yield = stats?.yield.map { String(format: "%.1f %%", $0 * 100) } ?? "–"
        let counts = "\(stats?.pass ?? 0) pass · \(stats?.review ?? 0) review · \(stats?.fail ?? 0) fail · \(stats?.errors ?? 0) error"
        return "<div class=\"strip-row\"><span class=\"station\">\(HTML.escape(station))</span>\(svg)"
            + "<span class=\"yield-value\">yield \(yield)</span><span class=\"counts\">\(counts)</span></div>"
    }
}
