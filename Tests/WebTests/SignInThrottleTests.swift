import Foundation
import Testing

/// Password guessing at `/login` with the real `inspectd-web`: five wrong passwords for one name
/// lock that name (429 with Retry-After, even with the right password), other names are not
/// affected, and a name nobody has is locked alike.
@Suite(.serialized)
struct SignInThrottleTests {
    private func attempt(_ h: WebHarness, user: String, password: String) throws -> HTTPClient.Reply {
        var client = h.client()
        let login = try client.get("/login")
        return try client.post("/login", [("csrf", HTTPClient.csrf(in: login.text) ?? ""), ("user", user),
                                          ("password", password)])
    }

    @Test func fiveWrongPasswordsLockTheNameOnly() throws {
        let h = try WebHarness()
        try h.start()
        for _ in 0..<5 {
            #expect(try attempt(h, user: WebHarness.user, password: "guess").status == 401)
        }
        let locked = try attempt(h, user: WebHarness.user, password: WebHarness.password)
        #expect(locked.status == 429)
        #expect(locked.text.contains("Too many failed sign-ins"))
        let retry = Int(locked.header("Retry-After") ?? "") ?? 0
        #expect((1...30).contains(retry), "Retry-After \(locked.header("Retry-After") ?? "none")")
        for _ in 0..<5 { _ = try attempt(h, user: "nobody-here", password: "guess") }
        #expect(try attempt(h, user: "nobody-here", password: "guess").status == 429)
        #expect(try attempt(h, user: "someone-else", password: "guess").status == 401)
    }
}
