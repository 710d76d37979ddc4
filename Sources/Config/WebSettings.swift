/// The `[web]` table: where `inspectd-web` listens and whose passwords it accepts. Loopback
/// by default, so exposing the review station is a decision an operator writes down (and
/// then puts a TLS reverse proxy in front of, see docs/web.md).
public struct WebSettings: Sendable, Equatable {
    public static let defaultHost = "127.0.0.1"
    public static let defaultPort = 8470
    public static let defaultUsersFile = "/etc/inspectd/web-users"

    /// IPv4/IPv6 literal or host name to bind.
    public var host = WebSettings.defaultHost
    /// TCP port; 0 picks a free one (tests).
    public var port = WebSettings.defaultPort
    /// `inspectctl web adduser` writes it; root-owned, 0640 root:inspectd.
    public var usersFile = WebSettings.defaultUsersFile
    /// Hours a sign-in lasts.
    public var sessionHours = 12.0

    public init() {}

    /// "host:port", bracketing IPv6 literals.
    public var listen: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Splits "host:port" or "[v6]:port"; nil with the reason when it is not one.
    public static func parseListen(_ text: String) -> Result<(host: String, port: Int), ListenError> {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                return .failure(ListenError(reason: "expected [ipv6]:port"))
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                return .failure(ListenError(reason: "expected host:port, e.g. 127.0.0.1:8470"))
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { return .failure(ListenError(reason: "put an IPv6 address in brackets: [::1]:8470")) }
        }
        guard !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || ".:-_".contains($0) }) else {
            return .failure(ListenError(reason: "the host must be an address or a host name"))
        }
        guard let port = Int(portText), (0...65535).contains(port) else {
            return .failure(ListenError(reason: "the port must be a number from 0 to 65535"))
        }
        return .success((String(host), port))
    }

    /// Why a listen address was refused.
    public struct ListenError: Error, Sendable {
        public let reason: String
    }
}
