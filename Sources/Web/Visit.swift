import Foundation
import HTTPTypes
import Hummingbird

/// Who is asking: the browser's visitor id (CSRF), the signed-in user if any, and the CSRF
/// token its forms carry. A browser without a visitor cookie gets one with the response.
struct Visit: Sendable {
    let visitor: String
    let isNewVisitor: Bool
    let sessionID: String?
    let user: String?
    let csrfToken: String
    /// Behind a TLS proxy (X-Forwarded-Proto: https) cookies are marked Secure.
    let secure: Bool

    init(request: Request, state: WebState) {
        let cookies = request.cookies
        let existing = cookies[CSRFGuard.cookieName]?.value
        let visitor = existing.flatMap { Self.isToken($0) ? $0 : nil }
        self.visitor = visitor ?? RandomToken.make()
        isNewVisitor = visitor == nil
        sessionID = cookies[SessionStore.cookieName]?.value
        user = state.sessions.user(id: sessionID)
        csrfToken = state.csrf.token(visitor: self.visitor)
        secure = request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
    }

    private static func isToken(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// Adds the visitor cookie when this browser had none.
    func finish(_ response: Response) -> Response {
        guard isNewVisitor else { return response }
        var response = response
        response.setCookie(cookie(name: CSRFGuard.cookieName, value: visitor, maxAge: 365 * 86400))
        return response
    }

    /// HttpOnly, SameSite=Strict, Path=/, Secure behind TLS.
    func cookie(name: String, value: String, maxAge: Int) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: .strict)
    }
}
