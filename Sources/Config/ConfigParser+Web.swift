extension ConfigParser {
    static let webKeys = ["listen", "users_file", "session_hours"]

    /// `[web]`: the review station's listen address, users file and session length.
    static func webSettings(_ top: ConfigTable) throws -> WebSettings {
        var settings = WebSettings()
        guard let w = try top.table("web", allowedKeys: webKeys) else { return settings }
        if let listen = try w.string("listen") {
            switch WebSettings.parseListen(listen) {
            case .success(let parsed):
                settings.host = parsed.host
                settings.port = parsed.port
            case .failure(let error):
                throw w.error("listen", error.reason)
            }
        }
        if let users = try w.absolutePath("users_file") { settings.usersFile = users }
        if let hours = try w.double("session_hours") {
            guard hours > 0, hours <= 24 * 30 else { throw w.error("session_hours", "must be between 0 and 720 hours") }
            settings.sessionHours = hours
        }
        return settings
    }
}
