import Foundation
import Inspection
import Store

/// `/versions`: per station, its model versions with held-out metrics side by side, the
/// training jobs with their progress, and the buttons that lead to a confirmation page for
/// activate, rollback and "retrain now" (every one a signed-in POST with a CSRF token).
struct VersionsPage {
    let state: WebState
    let visit: Visit

    func render() throws -> String {
        let store = try state.readStore()
        let jobs = try store.trainingJobs(limit: 50)
        var body = "<h1>Model versions and training</h1>"
        for station in state.stations(store: store) {
            let versions = try store.versions(station: station, limit: 50)
            body += "<section class=\"station-versions\"><h2>\(HTML.escape(station))</h2>"
            if visit.user != nil {
                body += "<p class=\"actions\"><a class=\"button\" href=\"/stations/\(HTML.query(station))/rollback\">Roll back…</a> "
                    + "<a class=\"button\" href=\"/stations/\(HTML.query(station))/retrain\">Retrain now…</a></p>"
            }
            body += versionsTable(versions)
            body += jobsTable(jobs.filter { $0.station == station })
            body += "</section>"
        }
        return HTML.page(title: "Versions", user: visit.user, csrf: visit.csrfToken, active: "/versions", body: body)
    }

    private func versionsTable(_ versions: [ModelVersionRecord]) -> String {
        guard !versions.isEmpty else { return "<p>No versions recorded (the configured model is in use).</p>" }
        var html = "<table class=\"versions\"><tr><th>id</th><th>status</th><th>source</th><th>created</th><th>activated</th>"
            + "<th>held-out AUROC</th><th>F1</th><th>vs active AUROC / F1</th><th>held out (good/defect)</th><th>thresholds</th>"
            + "<th>decision</th><th></th></tr>"
        for v in versions {
            let m = v.metrics
            let action = v.status != .active && visit.user != nil
                ? "<a href=\"/versions/\(v.id)/activate\">activate…</a>" : ""
            let thresholds = v.reviewThreshold.map { r in "\(HTML.number(r)) / \(HTML.number(v.failThreshold))" } ?? "configured"
            html += "<tr id=\"v\(v.id)\" class=\"\(v.status.rawValue)\"><td>\(v.id)</td><td>\(v.status.rawValue)</td>"
                + "<td>\(v.source.rawValue)</td><td>\(HTML.time(v.createdAt))</td><td>\(HTML.time(v.activatedAt))</td>"
                + "<td>\(HTML.number(m?.candidate.auroc))</td><td>\(HTML.number(m?.candidate.f1))</td>"
                + "<td>\(HTML.number(m?.active?.auroc)) / \(HTML.number(m?.active?.f1))</td>"
                + "<td>\(m.map { "\($0.heldOutGood)/\($0.heldOutDefect)" } ?? "–")</td><td>\(HTML.escape(thresholds))</td>"
                + "<td>\(HTML.escape(v.decision ?? v.note ?? ""))</td><td>\(action)</td></tr>"
        }
        return html + "</table>"
    }

    private func jobsTable(_ jobs: [TrainingJob]) -> String {
        guard !jobs.isEmpty else { return "<p>No training jobs.</p>" }
        var html = "<h3>Training jobs</h3><table class=\"jobs\"><tr><th>id</th><th>state</th><th>trigger</th><th>requested</th>"
            + "<th>phase</th><th>progress</th><th>loss</th><th>candidate</th><th>message</th></tr>"
        for job in jobs {
            var progress = "–"
            if let epoch = job.epoch, let epochs = job.epochs, epochs > 0 {
                let width = 100 * Double(epoch) / Double(epochs)
                progress = "<svg width=\"100\" height=\"10\" role=\"img\"><rect width=\"100\" height=\"10\" fill=\"#333\"/>"
                    + "<rect width=\"\(String(format: "%.1f", width))\" height=\"10\" fill=\"#4a90d9\"/></svg> \(epoch)/\(epochs)"
            }
            html += "<tr><td>\(job.id)</td><td>\(job.state.rawValue)</td><td>\(HTML.escape(job.trigger))</td>"
                + "<td>\(HTML.time(job.requestedAt))</td><td>\(HTML.escape(job.phase ?? "–"))</td><td>\(progress)</td>"
                + "<td>\(HTML.number(job.loss, digits: 4))</td><td>\(job.candidateID.map { "\($0)" } ?? "–")</td>"
                + "<td>\(HTML.escape(job.message ?? ""))</td></tr>"
        }
        return html + "</table>"
    }

    /// The confirmation page of a write: what will happen, and the POST form that does it.
    static func confirm(visit: Visit, title: String, text: String, action: String) -> String {
        let body = "<h1>\(HTML.escape(title))</h1><p>\(HTML.escape(text))</p>"
            + "<form method=\"post\" action=\"\(HTML.escape(action))\"><input type=\"hidden\" name=\"csrf\" value=\"\(HTML.escape(visit.csrfToken))\">"
            + "<input type=\"hidden\" name=\"confirm\" value=\"yes\"><button type=\"submit\" id=\"confirm\">Yes, do it</button> "
            + "<a href=\"/versions\">Cancel</a></form>"
        return HTML.page(title: title, user: visit.user, csrf: visit.csrfToken, active: "/versions", body: body)
    }
}
