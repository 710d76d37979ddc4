import Foundation
import Store

/// `/queue`: one image at a time from ``ReviewQueue`` with the labelling form; saving goes
/// back here and serves the next. `skip` (ids, comma-separated) passes over images for
/// this visit; `station` narrows the queue.
struct QueuePage {
    let state: WebState
    let visit: Visit

    func render(_ fields: FormFields) throws -> String {
        let store = try state.readStore()
        let station = fields["station"]
        let skip = (fields["skip"] ?? "").split(separator: ",").compactMap { Int64($0) }.suffix(200)
        let queue = ReviewQueue(station: station, skip: Array(skip))
        let remaining = try queue.remaining(in: store)
        var counts = ReviewQueue.Tier.allCases.map { "\(HTML.escape($0.rawValue)): \(remaining[$0] ?? 0)" }.joined(separator: " · ")
        counts = "<p class=\"summary\">waiting — \(counts)</p>"
        var stationLinks = "<p class=\"stations\">station: <a href=\"/queue\">all</a>"
        for name in state.stations(store: store) {
            stationLinks += " <a href=\"/queue?station=\(HTML.query(name))\">\(HTML.escape(name))</a>"
        }
        stationLinks += "</p>"
        guard let item = try queue.next(in: store) else {
            let body = "<h1>Review queue</h1>\(stationLinks)\(counts)<p>Nothing waits for a label. Well done.</p>"
            return HTML.page(title: "Review queue", user: visit.user, csrf: visit.csrfToken, active: "/queue", body: body)
        }
        var here = "/queue"
        var params: [String] = []
        if let station { params.append("station=\(HTML.query(station))") }
        if !skip.isEmpty { params.append("skip=\(skip.map(String.init).joined(separator: ","))") }
        if !params.isEmpty { here += "?" + params.joined(separator: "&") }
        var skipParams = params.filter { !$0.hasPrefix("skip=") }
        skipParams.append("skip=\((Array(skip) + [item.record.id]).map(String.init).joined(separator: ","))")
        let skipLink = "/queue?" + skipParams.joined(separator: "&")
        let extra = "\(stationLinks)\(counts)<p class=\"tier\">served because: <strong>\(HTML.escape(item.tier.rawValue))</strong>"
            + " · <a id=\"skip\" href=\"\(HTML.escape(skipLink))\">skip (n)</a></p>"
        let body = try DetailPage(state: state, visit: visit)
            .content(item.record, store: store, next: here, heading: "Review: inspection \(item.record.id)", extra: extra)
        return HTML.page(title: "Review queue", user: visit.user, csrf: visit.csrfToken, active: "/queue", body: body,
                         bodyClass: "detail queue")
    }
}
