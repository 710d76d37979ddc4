import Foundation

/// HTML built in Swift: every interpolated value goes through ``escape(_:)``; markup is
/// written literally. Pages share one layout with the navigation and the static assets
/// (no inline script or style, so the Content-Security-Policy can forbid both).
enum HTML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// Percent-encodes a query value.
    static func query(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// The page frame: title, navigation (with the signed-in user or a sign-in link), body.
    static func page(title: String, user: String?, csrf: String, active: String, body: String,
                     bodyClass: String = "") -> String {
        let links = [("/", "Verdicts"), ("/queue", "Review queue"), ("/charts", "Charts"), ("/versions", "Versions"),
                     ("/metrics", "Metrics")]
        let nav = links.map { link in
            "<a href=\"\(link.0)\"\(link.0 == active ? " class=\"active\"" : "")>\(link.1)</a>"
        }.joined()
        let account = user.map { name in
            "<form method=\"post\" action=\"/logout\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"\(escape(csrf))\">"
                + "<span class=\"user\">\(escape(name))</span> <button type=\"submit\">Sign out</button></form>"
        } ?? "<a href=\"/login\">Sign in</a>"
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) · inspectd</title><link rel="stylesheet" href="/static/app.css">
            <script src="/static/app.js" defer></script></head>
            <body class="\(escape(bodyClass))" data-csrf="\(escape(csrf))"><header><strong class="brand">inspectd</strong><nav>\(nav)</nav>
            <div class="account">\(account)</div></header><main>\(body)</main></body></html>
            """
    }

    /// "2026-12-05 00:12:03" in UTC, the log's own clock.
    static func time(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return "–" }
        var t = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    static func number(_ value: Double?, digits: Int = 3) -> String {
        guard let value else { return "–" }
        return String(format: "%.\(digits)f", value)
    }
}
