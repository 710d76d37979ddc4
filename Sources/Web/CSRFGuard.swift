import Crypto
import WebAuth

/// CSRF tokens: every browser gets a random `inspectd_visitor` cookie (HttpOnly,
/// SameSite=Strict), and every form carries HMAC(key, visitor id) under a key that lives
/// only in this process. A POST is accepted only when its `csrf` field is the HMAC of the
/// cookie it came with, so another site can neither read nor forge the token, and a
/// token from another browser is useless.
struct CSRFGuard: Sendable {
    static let cookieName = "inspectd_visitor"
    private let key: [UInt8] = {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }()

    func token(visitor: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(visitor.utf8), using: SymmetricKey(data: key))
        return mac.map(RandomToken.hex).joined()
    }

    func isValid(token: String?, visitor: String?) -> Bool {
        guard let token, let visitor, !visitor.isEmpty else { return false }
        return ConstantTime.equal(Array(token.utf8), Array(self.token(visitor: visitor).utf8))
    }
}
