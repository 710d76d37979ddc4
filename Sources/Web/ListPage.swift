import Foundation
import Inspection
import Store

/// `/`: the verdict list. Filters in a GET form (so every view is a shareable URL), a page
/// of rows with map thumbnails, the per-station yield strip of the last hour, and the
/// live feed (`/events` with the same query) that prepends new rows on the first page.
struct ListPage {
    let state: WebState
    let visit: Visit

    func render(_ fields: FormFields) throws -> String {
        let query = try ListQuery(fields)
        let store = try state.readStore()
        let result = try store.browse(try query.filter())
        let labels = try store.currentLabelKinds(contentHashes: result.records.map(\.contentHash))
        let stations = state.stations(store: store)
        var body = "<h1>Verdicts</h1>"
        body += try YieldStrip(store: store, stations: stations).render()
        body += filterForm(query, stations: stations)
        let pages = max(1, (result.total + query.size - 1) / query.size)
        body += "<p class=\"summary\">\(result.total) matching · page \(query.page) of \(pages)"
            + " · <span class=\"hint\">keys: j/k move, Enter open, n/p page</span></p>"
        let live = query.page == 1 ? " data-live=\"/events?\(HTML.escape(query.queryString()))\"" : ""
        body += "<table class=\"verdicts\" id=\"verdicts\"\(live)><thead><tr><th>map</th><th>id</th><th>time (UTC)</th>"
            + "<th>station</th><th>verdict</th><th>score</th><th>class</th><th>label</th><th>file</th></tr></thead><tbody>"
        for record in result.records {
            body += Self.row(record, label: labels[record.contentHash])
        }
        body += "</tbody></table>"
        body += "<nav class=\"pager\">"
        if query.page > 1 {
            body += "<a rel=\"prev\" href=\"/?\(HTML.escape(query.queryString(page: query.page - 1)))\">← newer</a>"
        }
        if query.page < pages {
            body += "<a rel=\"next\" href=\"/?\(HTML.escape(query.queryString(page: query.page + 1)))\">older →</a>"
        }
        body += "</nav>"
        return HTML.page(title: "Verdicts", user: visit.user, csrf: visit.csrfToken, active: "/", body: body, bodyClass: "list")
    }

    /// One table row; also what the live feed sends.
    static func row(_ record: InspectionRecord, label: Label?) -> String {
        let verdict = record.verdict?.rawValue ?? record.state.rawValue
        let thumb = record.verdict != nil
            ? "<img class=\"thumb\" loading=\"lazy\" alt=\"\" src=\"/thumb/\(record.id)\">" : ""
        let labelText = label.map { $0.kind.rawValue + ($0.defectClass.map { " · \($0)" } ?? "") } ?? ""
        let file = (record.path as NSString).lastPathComponent
        return "<tr data-href=\"/inspection/\(record.id)\"><td>\(thumb)</td>"
            + "<td><a href=\"/inspection/\(record.id)\">\(record.id)</a></td><td>\(HTML.time(record.time))</td>"
            + "<td>\(HTML.escape(record.station))</td><td><span class=\"verdict \(HTML.escape(verdict))\">\(HTML.escape(verdict))</span></td>"
            + "<td>\(HTML.number(record.score))</td><td>\(HTML.escape(record.defectClass ?? ""))</td>"
            + "<td>\(HTML.escape(labelText))</td><td title=\"\(HTML.escape(record.path))\">\(HTML.escape(file))</td></tr>"
    }

    private func filterForm(_ query: ListQuery, stations: [String]) -> String {
        func text(_ name: String, _ value: String?, _ placeholder: String, size: Int = 10) -> String {
            "<label>\(name) <input type=\"text\" name=\"\(name)\" size=\"\(size)\" placeholder=\"\(placeholder)\" value=\"\(HTML.escape(value ?? ""))\"></label>"
        }
        var form = "<form class=\"filters\" method=\"get\" action=\"/\">"
        form += text("since", query.since, "8h, today")
        form += text("until", query.until, "now")
        form += "<label>station <select name=\"station\"><option value=\"\">any</option>"
        for station in stations {
            let selected = query.stations.contains(station) ? " selected" : ""
            form += "<option\(selected)>\(HTML.escape(station))</option>"
        }
        form += "</select></label><fieldset><legend>verdict</legend>"
        for verdict in ["pass", "review", "fail", "error"] {
            let checked = query.verdicts.contains(verdict) ? " checked" : ""
            form += "<label><input type=\"checkbox\" name=\"verdict\" value=\"\(verdict)\"\(checked)> \(verdict)</label>"
        }
        form += "</fieldset>"
        form += text("min", query.minScore.map { "\($0)" }, "0.0", size: 5)
        form += text("max", query.maxScore.map { "\($0)" }, "1.0", size: 5)
        form += text("class", query.defectClass, "scratch", size: 8)
        form += "<label>labelled <select name=\"labelled\">"
        for (value, name) in [("", "either"), ("yes", "yes"), ("no", "no")] {
            let selected = (query.labelled ?? "") == value ? " selected" : ""
            form += "<option value=\"\(value)\"\(selected)>\(name)</option>"
        }
        form += "</select></label><button type=\"submit\">Filter</button> <a href=\"/\">clear</a></form>"
        return form
    }
}
