import Config
import Testing

/// `[web]`: inspectd-web's listen address, users file and session length.
@Suite struct WebConfigTests {
    @Test func defaultsAreLoopback() throws {
        let web = try ConfigFixture.parse(ConfigFixture.minimal).web
        #expect(web.host == "127.0.0.1" && web.port == 8470)
        #expect(web.usersFile == "/etc/inspectd/web-users" && web.sessionHours == 12)
    }

    @Test func listenTakesIPv4IPv6AndNames() throws {
        let v6 = try ConfigFixture.parse(ConfigFixture.with(extra: "[web]\nlisten = \"[::1]:9000\"")).web
        #expect(v6.host == "::1" && v6.port == 9000 && v6.listen == "[::1]:9000")
        let all = try ConfigFixture.parse(ConfigFixture.with(extra: "[web]\nlisten = \"0.0.0.0:8080\"\nsession_hours = 1.5")).web
        #expect(all.host == "0.0.0.0" && all.port == 8080 && all.sessionHours == 1.5)
    }

    @Test func badValuesNameTheKey() {
        expectConfigError(ConfigFixture.with(extra: "[web]\nlisten = \"8470\""), key: "web.listen", value: "8470",
                          problem: "expected host:port")
        expectConfigError(ConfigFixture.with(extra: "[web]\nlisten = \"localhost:99999\""), key: "web.listen",
                          value: "localhost:99999", problem: "0 to 65535")
        expectConfigError(ConfigFixture.with(extra: "[web]\nlisten = \"::1:80\""), key: "web.listen", value: "::1:80",
                          problem: "brackets")
        expectConfigError(ConfigFixture.with(extra: "[web]\nusers_file = \"users\""), key: "web.users_file", value: "users",
                          problem: "absolute path")
        expectConfigError(ConfigFixture.with(extra: "[web]\nsession_hours = 0"), key: "web.session_hours", value: "0")
        expectConfigError(ConfigFixture.with(extra: "[web]\nport = 1"), key: "web.port", value: "1")
    }
}
