import Foundation
import Hummingbird
import Inspection
import Logging
import Store

/// The review station's HTTP server: routes, security headers, and the application that
/// binds `host:port`. `onListening` gets the bound port (tests bind port 0 and read it).
public struct WebServer: Sendable {
    public let state: WebState
    public let host: String
    public let port: Int

    public init(state: WebState, host: String, port: Int) {
        self.state = state
        self.host = host
        self.port = port
    }

    /// Largest request body: a mask PNG of a 50-megapixel image fits comfortably.
    static let maxBody = 64 << 20

    public func run(logger: Logger, onListening: @escaping @Sendable (Int) -> Void) async throws {
        let app = Application(router: makeRouter(), configuration: .init(address: .hostname(host, port: port),
                                                                         serverName: "inspectd-web"),
                              onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
                              logger: logger)
        // The first scrape catches up on the whole log; do it now, not while Prometheus waits.
        let state = self.state
        Task.detached(priority: .utility) { try? state.catchUpMetrics() }
        try await app.runService()
    }

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: SecurityHeaders())
        let state = self.state

        router.get("/") { request, _ in
            Self.page(request, state) { visit in Reply.html(try ListPage(state: state, visit: visit).render(FormFields(request.uri.query))) }
        }
        router.get("/inspection/:id") { request, context in
            Self.page(request, state) { visit in
                Reply.html(try DetailPage(state: state, visit: visit).render(id: try Self.id(context)))
            }
        }
        router.get("/queue") { request, _ in
            Self.page(request, state) { visit in Reply.html(try QueuePage(state: state, visit: visit).render(FormFields(request.uri.query))) }
        }
        router.get("/charts") { request, _ in
            Self.page(request, state) { visit in Reply.html(try ChartsPage(state: state, visit: visit).render(FormFields(request.uri.query))) }
        }
        router.get("/versions") { request, _ in
            Self.page(request, state) { visit in Reply.html(try VersionsPage(state: state, visit: visit).render()) }
        }
        router.get("/image/:id") { request, context in
            Self.page(request, state) { _ in
                let image = try ImageBytes(store: try state.readStore()).original(id: try Self.id(context))
                return Reply.bytes(image.bytes, type: image.type, cacheSeconds: ImageBytes.cacheSeconds)
            }
        }
        router.get("/overlay/:id") { request, context in
            Self.page(request, state) { _ in
                Reply.bytes(try ImageBytes(store: try state.readStore()).layer(id: try Self.id(context)), type: "image/png",
                            cacheSeconds: ImageBytes.cacheSeconds)
            }
        }
        router.get("/thumb/:id") { request, context in
            Self.page(request, state) { _ in
                Reply.bytes(try ImageBytes(store: try state.readStore()).thumbnail(id: try Self.id(context)), type: "image/png",
                            cacheSeconds: ImageBytes.cacheSeconds)
            }
        }
        router.get("/mask/:id") { request, context in
            Self.page(request, state) { _ in
                Reply.bytes(try ImageBytes(store: try state.readStore()).mask(labelID: try Self.id(context)), type: "image/png")
            }
        }
        router.get("/metrics") { request, _ in
            Self.page(request, state) { _ in
                Reply.bytes(try state.metrics.scrape(try state.readStore()), type: "text/plain; version=0.0.4; charset=utf-8")
            }
        }
        router.get("/events") { request, _ in
            let visit = Visit(request: request, state: state)
            do {
                return try LiveFeed(state: state).response(FormFields(request.uri.query))
            } catch {
                return Reply.errorPage(error, visit: visit)
            }
        }
        router.get("/static/app.css") { _, _ in Reply.bytes(Array(Assets.css.utf8), type: "text/css; charset=utf-8", cacheSeconds: 300) }
        router.get("/static/app.js") { _, _ in
            Reply.bytes(Array(Assets.javascript.utf8), type: "text/javascript; charset=utf-8", cacheSeconds: 300)
        }

        router.get("/login") { request, _ in
            Self.page(request, state) { visit in
                Reply.html(LoginPage.render(visit: visit, next: Reply.safeNext(FormFields(request.uri.query)["next"], fallback: "/")))
            }
        }
        router.post("/login") { request, _ in
            await Self.form(request, state, needsUser: false) { visit, fields in
                let next = Reply.safeNext(fields["next"], fallback: "/")
                let user = fields["user"] ?? ""
                if let wait = state.signIns.wait(user: user) {
                    let seconds = Int(wait.rounded(.up))
                    var refused = Reply.html(LoginPage.render(
                        visit: visit, next: next,
                        message: "Too many failed sign-ins for this user. Try again in \(seconds) s."),
                        status: .tooManyRequests)
                    refused.headers[.retryAfter] = "\(seconds)"
                    return refused
                }
                guard let password = fields.all("password").first, state.authenticate(user: user, password: password) else {
                    state.signIns.failed(user: user)
                    return Reply.html(LoginPage.render(visit: visit, next: next, message: "Unknown user or wrong password."),
                                      status: .unauthorized)
                }
                state.signIns.succeeded(user: user)
                state.sessions.remove(id: visit.sessionID)
                var response = Reply.redirect(next)
                response.setCookie(visit.cookie(name: SessionStore.cookieName, value: state.sessions.create(user: user),
                                                maxAge: Int(state.sessions.lifetime)))
                return response
            }
        }
        router.post("/logout") { request, _ in
            await Self.form(request, state, needsUser: false) { visit, _ in
                state.sessions.remove(id: visit.sessionID)
                var response = Reply.redirect("/")
                response.setCookie(visit.cookie(name: SessionStore.cookieName, value: "", maxAge: 0))
                return response
            }
        }
        router.post("/label/:id") { request, context in
            await Self.form(request, state, needsUser: true) { visit, fields in
                let id = try Self.id(context)
                _ = try LabelSubmission(state: state, user: visit.user ?? "").submit(id: id, fields: fields)
                return Reply.redirect(Reply.safeNext(fields["next"], fallback: "/inspection/\(id)"))
            }
        }
        VersionRoutes(state: state).add(to: router)
        return router
    }

    /// Runs a GET page: visitor cookie, errors as pages.
    static func page(_ request: Request, _ state: WebState, _ body: (Visit) throws -> Response) -> Response {
        let visit = Visit(request: request, state: state)
        do {
            return visit.finish(try body(visit))
        } catch {
            return Reply.errorPage(error, visit: visit)
        }
    }

    /// Runs a form POST: a signed-in user when `needsUser` (else 401), then a valid CSRF
    /// token (else 403), before anything is read or written.
    static func form(_ request: Request, _ state: WebState, needsUser: Bool,
                     _ body: (Visit, FormFields) throws -> Response) async -> Response {
        let visit = Visit(request: request, state: state)
        do {
            if needsUser, visit.user == nil {
                throw WebFailure(status: .unauthorized, message: "sign in first: changes need a signed-in user")
            }
            let buffer = try await request.body.collect(upTo: maxBody)
            let fields = FormFields(String(buffer: buffer))
            guard state.csrf.isValid(token: fields.all("csrf").first, visitor: visit.isNewVisitor ? nil : visit.visitor) else {
                throw WebFailure(status: .forbidden, message: "the form's security token is missing or stale; reload the page and try again")
            }
            return visit.finish(try body(visit, fields))
        } catch {
            return Reply.errorPage(error, visit: visit)
        }
    }

    static func id(_ context: BasicRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self) else {
            throw WebFailure(status: .notFound, message: "expected a numeric id in the address")
        }
        return id
    }
}
