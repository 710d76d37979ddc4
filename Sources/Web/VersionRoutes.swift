import Foundation
import Hummingbird
import Inspection
import Store

/// Activate, roll back and "retrain now": a GET that shows what will happen with a
/// confirmation form, and the POST (signed in, CSRF, `confirm=yes`) that does it.
struct VersionRoutes {
    let state: WebState

    func add(to router: Router<BasicRequestContext>) {
        let state = self.state
        router.get("/versions/:id/activate") { request, context in
            WebServer.page(request, state) { visit in
                let target = try VersionSwitch.summary(id: try WebServer.id(context), store: try state.readStore())
                return Reply.html(VersionsPage.confirm(
                    visit: visit, title: "Activate version \(target.id)?",
                    text: "Station \(target.station) will score with version \(target.id) (\(target.source.rawValue), created "
                        + "\(HTML.time(target.createdAt))); its active version is retired. inspectd switches within a few seconds.",
                    action: "/versions/\(target.id)/activate"))
            }
        }
        router.post("/versions/:id/activate") { request, context in
            await WebServer.form(request, state, needsUser: true) { visit, fields in
                try Self.requireConfirm(fields)
                let store = try state.writeStore()
                let target = try VersionSwitch.summary(id: try WebServer.id(context), store: store)
                _ = try VersionSwitch.activate(target, reason: "activated by \(visit.user ?? "?") in inspectd-web", store: store,
                                               at: Date().timeIntervalSince1970)
                return Reply.redirect("/versions#v\(target.id)")
            }
        }
        router.get("/stations/:station/rollback") { request, context in
            WebServer.page(request, state) { visit in
                let station = try Self.station(context)
                let target = try Self.rollbackTarget(station: station, store: try state.readStore())
                return Reply.html(VersionsPage.confirm(
                    visit: visit, title: "Roll back \(station)?",
                    text: "Station \(station) goes back to version \(target.id), the one it ran before.",
                    action: "/stations/\(HTML.query(station))/rollback"))
            }
        }
        router.post("/stations/:station/rollback") { request, context in
            await WebServer.form(request, state, needsUser: true) { visit, fields in
                try Self.requireConfirm(fields)
                let station = try Self.station(context)
                let store = try state.writeStore()
                let target = try Self.rollbackTarget(station: station, store: store)
                let reason = try VersionSwitch.rollbackReason(station: station, store: store) + " by \(visit.user ?? "?") in inspectd-web"
                _ = try VersionSwitch.activate(target, reason: reason, store: store, at: Date().timeIntervalSince1970)
                return Reply.redirect("/versions#v\(target.id)")
            }
        }
        router.get("/stations/:station/retrain") { request, context in
            WebServer.page(request, state) { visit in
                let station = try Self.station(context)
                return Reply.html(VersionsPage.confirm(
                    visit: visit, title: "Retrain \(station) now?",
                    text: "The daemon starts a low-priority training job for \(station) within a few seconds; the candidate "
                        + "it produces is promoted only if it beats the active version on held-out labels.",
                    action: "/stations/\(HTML.query(station))/retrain"))
            }
        }
        router.post("/stations/:station/retrain") { request, context in
            await WebServer.form(request, state, needsUser: true) { _, fields in
                try Self.requireConfirm(fields)
                _ = try state.writeStore().requestTraining(station: try Self.station(context), trigger: "manual",
                                                           at: Date().timeIntervalSince1970)
                return Reply.redirect("/versions")
            }
        }
    }

    /// The version a rollback of `station` goes back to; 409 when there is none.
    static func rollbackTarget(station: String, store: VerdictStore) throws -> ModelVersionRecord {
        guard let target = try VersionSwitch.rollbackTarget(station: station, store: store) else {
            throw WebFailure(status: .conflict, message: "station \(station) has no earlier active version; nothing to roll back to")
        }
        return target
    }

    static func station(_ context: BasicRequestContext) throws -> String {
        guard let raw = context.parameters.get("station"), let station = raw.removingPercentEncoding, !station.isEmpty else {
            throw WebFailure(status: .notFound, message: "expected a station name in the address")
        }
        return station
    }

    static func requireConfirm(_ fields: FormFields) throws {
        guard fields["confirm"] == "yes" else {
            throw WebFailure(status: .badRequest, message: "confirm: this change needs confirm=yes from its confirmation page")
        }
    }
}
