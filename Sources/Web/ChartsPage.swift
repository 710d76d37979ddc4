import Foundation
import Store

/// `/charts?bucket=hour|day`: per station, verdict counts and yield over the last 48 hours
/// or 30 days, and the histogram of the latest scores with the station's thresholds.
struct ChartsPage {
    let state: WebState
    let visit: Visit

    func render(_ fields: FormFields, now: Double = Date().timeIntervalSince1970) throws -> String {
        let bucket: StatsBucket = fields["bucket"] == "day" ? .day : .hour
        let width = bucket.seconds ?? 3600
        let count = bucket == .day ? 30 : 48
        let start = (now / width).rounded(.down) * width - Double(count - 1) * width
        let store = try state.readStore()
        let stats = try store.stats(VerdictFilter(since: start), bucket: bucket)
        var body = "<h1>Charts</h1><p class=\"switch\">per <a href=\"/charts?bucket=hour\"\(bucket == .hour ? " class=\"active\"" : "")>hour (48 h)</a>"
            + " · <a href=\"/charts?bucket=day\"\(bucket == .day ? " class=\"active\"" : "")>day (30 days)</a> · times in UTC"
            + " · <span class=\"key pass\">pass</span> <span class=\"key review\">review</span> <span class=\"key fail\">fail</span>"
            + " <span class=\"key error\">error</span> <span class=\"key yield\">yield</span></p>"
        for station in state.stations(store: store) {
            let label: (Double) -> String = { time in
                let text = HTML.time(time)
                return bucket == .day ? String(text.dropFirst(5).prefix(5)) : String(text.dropFirst(11).prefix(5))
            }
            body += "<section class=\"station-charts\"><h2>\(HTML.escape(station))</h2><h3>Verdicts per \(bucket.rawValue)</h3>"
            body += SVGChart.verdictBars(stats.filter { $0.station == station }, start: start, width: width, count: count, label: label)
            let scores = try store.scores(BrowseFilter(base: VerdictFilter(since: start, stations: [station])), limit: 20_000)
            let thresholds = state.thresholds(station: station)
            let latest = try store.records(VerdictFilter(stations: [station], states: [.done], limit: 1)).first
            body += "<h3>Scores (\(scores.count) verdicts)</h3>"
            body += SVGChart.scoreHistogram(scores, review: thresholds?.review ?? latest?.reviewThreshold,
                                            fail: thresholds?.fail ?? latest?.failThreshold)
            body += "</section>"
        }
        return HTML.page(title: "Charts", user: visit.user, csrf: visit.csrfToken, active: "/charts", body: body)
    }
}
