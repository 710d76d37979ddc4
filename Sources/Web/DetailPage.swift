import Foundation
import Inspection
import Store

/// `/inspection/ID` (and the review queue's item): the original at full resolution with the
/// anomaly map as a layer (toggle, opacity, legend over the map's real range), every field
/// of the row, the label history, the model version, and the labelling form with the mask
/// canvas.
struct DetailPage {
    let state: WebState
    let visit: Visit

    func render(id: Int64) throws -> String {
        let store = try state.readStore()
        let record = try store.record(id: id)
        let body = try content(record, store: store, next: nil, heading: "Inspection \(record.id)")
        return HTML.page(title: "Inspection \(id)", user: visit.user, csrf: visit.csrfToken, active: "", body: body,
                         bodyClass: "detail")
    }

    /// The page body, shared with the review queue (`next`: where the form goes afterwards).
    func content(_ record: InspectionRecord, store: VerdictStore, next: String?, heading: String,
                 extra: String = "") throws -> String {
        let map = try store.map(id: record.id)
        let history = try store.labelHistory(contentHash: record.contentHash)
        var body = "<h1>\(HTML.escape(heading))</h1>\(extra)<div class=\"detail-grid\"><div class=\"viewer\">"
        body += "<div class=\"stack\" id=\"stack\"><img id=\"original\" src=\"/image/\(record.id)\" alt=\"original image\">"
        if map != nil {
            body += "<img id=\"layer\" class=\"layer\" src=\"/overlay/\(record.id)\" alt=\"anomaly map\">"
        }
        body += "<canvas id=\"mask\" class=\"mask\"></canvas></div>"
        if let map {
            body += "<div class=\"map-controls\"><label><input type=\"checkbox\" id=\"show-map\" checked> anomaly map (m)</label>"
                + "<label>opacity <input type=\"range\" id=\"opacity\" min=\"0\" max=\"100\" value=\"55\"></label>"
                + Self.legend(min: Double(map.minimum), max: Double(map.maximum)) + "</div>"
        }
        body += "</div><div class=\"side\">"
        body += labelForm(record, next: next, current: history.last(where: \.isCurrent))
        body += try versionBox(record, store: store)
        body += Self.historyTable(history)
        body += "</div></div>"
        body += Self.fieldsTable(record)
        return body
    }

    /// A horizontal Turbo gradient with the map's actual minimum and maximum.
    static func legend(min: Double, max: Double) -> String {
        let stops = MapLayerRenderer.legendStops(count: 9)
        var svg = "<svg class=\"legend\" width=\"220\" height=\"30\" viewBox=\"0 0 220 30\" role=\"img\" aria-label=\"map colour scale\">"
            + "<defs><linearGradient id=\"turbo\">"
        for (index, colour) in stops.enumerated() {
            svg += "<stop offset=\"\(index * 100 / (stops.count - 1))%\" stop-color=\"\(colour)\"/>"
        }
        svg += "</linearGradient></defs><rect x=\"0\" y=\"0\" width=\"220\" height=\"14\" fill=\"url(#turbo)\"/>"
            + "<text x=\"0\" y=\"27\" class=\"legend-text\">\(HTML.number(min))</text>"
            + "<text x=\"220\" y=\"27\" text-anchor=\"end\" class=\"legend-text\">\(HTML.number(max))</text></svg>"
        return svg
    }

    private func labelForm(_ record: InspectionRecord, next: String?, current: Label?) -> String {
        guard visit.user != nil else {
            let now = current.map { "Current label: \($0.kind.rawValue)\($0.defectClass.map { " · \($0)" } ?? "")." } ?? "Not labelled."
            return "<section class=\"label-box\"><h2>Label</h2><p>\(HTML.escape(now))</p>"
                + "<p><a href=\"/login?next=\(HTML.query("/inspection/\(record.id)"))\">Sign in</a> to label.</p></section>"
        }
        var form = "<section class=\"label-box\"><h2>Label</h2>"
            + "<form method=\"post\" action=\"/label/\(record.id)\" id=\"label-form\">"
            + "<input type=\"hidden\" name=\"csrf\" value=\"\(HTML.escape(visit.csrfToken))\">"
            + "<input type=\"hidden\" name=\"mask\" id=\"mask-data\" value=\"\">"
        if let next { form += "<input type=\"hidden\" name=\"next\" value=\"\(HTML.escape(next))\">" }
        let kind = current?.kind.rawValue ?? ""
        form += "<div class=\"kinds\"><label><input type=\"radio\" name=\"kind\" value=\"good\"\(kind == "good" ? " checked" : "")> good (g)</label>"
            + "<label><input type=\"radio\" name=\"kind\" value=\"defect\"\(kind == "defect" ? " checked" : "")> defect (d)</label></div>"
        form += "<label>class <select name=\"class\" id=\"class\"><option value=\"\">none / unknown</option>"
        for (index, name) in state.defectClasses.enumerated() {
            let selected = current?.defectClass == name ? " selected" : ""
            form += "<option value=\"\(HTML.escape(name))\"\(selected)>\(index < 9 ? "\(index + 1) " : "")\(HTML.escape(name))</option>"
        }
        form += "</select></label>"
        form += "<div class=\"tools\"><label><input type=\"radio\" name=\"tool\" value=\"brush\" id=\"tool-brush\" checked> brush (b)</label>"
            + "<label><input type=\"radio\" name=\"tool\" value=\"eraser\" id=\"tool-eraser\"> eraser (e)</label>"
            + "<label>size <input type=\"range\" id=\"brush-size\" min=\"1\" max=\"80\" value=\"12\"></label>"
            + "<button type=\"button\" id=\"clear-mask\">clear</button></div>"
        form += "<label>note <input type=\"text\" name=\"note\" maxlength=\"500\"></label>"
        form += "<button type=\"submit\" id=\"save\">Save (s)</button></form>"
        form += "<p class=\"hint\">Paint the defect on the image; the mask is saved with a defect label.</p></section>"
        return form
    }

    private func versionBox(_ record: InspectionRecord, store: VerdictStore) throws -> String {
        var html = "<section><h2>Model</h2><p>\(HTML.escape(record.modelVersion ?? "–"))</p>"
        if let versionID = record.versionID {
            if let version = try? VersionSwitch.summary(id: versionID, store: store) {
                html += "<p>version <a href=\"/versions#v\(version.id)\">\(version.id)</a> (\(version.status.rawValue), "
                    + "\(version.source.rawValue), created \(HTML.time(version.createdAt)))</p>"
            } else {
                html += "<p>version \(versionID) (no longer stored)</p>"
            }
        }
        return html + "</section>"
    }

    static func historyTable(_ history: [Label]) -> String {
        guard !history.isEmpty else { return "<section><h2>Label history</h2><p>No labels yet.</p></section>" }
        var html = "<section><h2>Label history</h2><table class=\"history\"><tr><th>#</th><th>label</th><th>by</th><th>when</th><th>mask</th><th>source</th></tr>"
        for label in history.reversed() {
            let kind = label.kind.rawValue + (label.defectClass.map { " · \($0)" } ?? "")
            let mask = label.mask != nil ? "<a href=\"/mask/\(label.id)\">mask</a>" : ""
            html += "<tr class=\"\(label.isCurrent ? "current" : "superseded")\"><td>\(label.id)</td><td>\(HTML.escape(kind))</td>"
                + "<td>\(HTML.escape(label.author))</td><td>\(HTML.time(label.createdAt))</td><td>\(mask)</td>"
                + "<td>\(HTML.escape(label.source))</td></tr>"
        }
        return html + "</table></section>"
    }

    static func fieldsTable(_ r: InspectionRecord) -> String {
        let fields: [(String, String?)] = [
            ("id", "\(r.id)"), ("station", r.station), ("path", r.path), ("size", "\(r.size) bytes"),
            ("mtime", HTML.time(r.mtime)), ("content hash", r.contentHash), ("state", r.state.rawValue),
            ("attempts", "\(r.attempts)"), ("discovered", HTML.time(r.discoveredAt)), ("started", HTML.time(r.startedAt)),
            ("finished", HTML.time(r.finishedAt)), ("verdict", r.verdict?.rawValue), ("score", HTML.number(r.score, digits: 4)),
            ("image probability", HTML.number(r.imageProbability, digits: 4)), ("map maximum", HTML.number(r.mapMaximum, digits: 4)),
            ("fused score", HTML.number(r.fusedScore, digits: 4)), ("review threshold", HTML.number(r.reviewThreshold)),
            ("fail threshold", HTML.number(r.failThreshold)), ("score mode", r.scoreMode), ("model", r.modelVersion),
            ("version id", r.versionID.map { "\($0)" }), ("defect class", r.defectClass),
            ("defect probability", HTML.number(r.defectProbability)), ("defect set", r.defectSet?.joined(separator: ", ")),
            ("decode ms", HTML.number(r.decodeMs, digits: 1)), ("preprocess ms", HTML.number(r.preprocessMs, digits: 1)),
            ("encode ms", HTML.number(r.encodeMs, digits: 1)), ("score ms", HTML.number(r.scoreMs, digits: 1)),
            ("total ms", HTML.number(r.totalMs, digits: 1)),
            ("image size", r.originalWidth.flatMap { w in r.originalHeight.map { "\(w)×\($0)" } }),
            ("geometry", r.geometryJSON), ("after-processing", r.afterState), ("after error", r.afterError),
            ("error kind", r.errorKind), ("error", r.errorMessage),
        ]
        var html = "<section><h2>All fields</h2><table class=\"fields\">"
        for (name, value) in fields {
            html += "<tr><th>\(HTML.escape(name))</th><td>\(HTML.escape(value ?? "–"))</td></tr>"
        }
        return html + "</table></section>"
    }
}
