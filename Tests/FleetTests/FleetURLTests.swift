import Config
import Testing

/// `postgres://` URLs: what is accepted, the defaults, and that a password never appears in
/// an error or the redacted spelling.
@Suite struct FleetURLTests {
    @Test func parsesUserHostPortDatabaseAndParameters() throws {
        let url = try FleetURL(parsing: "postgres://qa@db.plant:6543/fleet?sslmode=require&password_file=/etc/inspectd/pg.pass")
        #expect(url.host == "db.plant" && url.port == 6543 && url.user == "qa" && url.database == "fleet")
        #expect(url.tls == .require && url.passwordFile == "/etc/inspectd/pg.pass" && url.password == nil)
        let plain = try FleetURL(parsing: "postgresql://qa@db/fleet")
        #expect(plain.port == 5432 && plain.tls == .prefer)
    }

    @Test func thePasswordIsNeverShown() throws {
        let url = try FleetURL(parsing: "postgres://qa:s3cr%40t@db/fleet?sslmode=verify-full")
        #expect(url.password == "s3cr@t")
        #expect(!url.redacted.contains("s3cr") && url.redacted.contains(":***@"))
        #expect(!"\(url)".contains("s3cr"))
        for bad in ["postgres://qa:s3cret@db/fleet?sslmode=maybe", "postgres://qa:s3cret@db/", "postgres://:s3cret@db/fleet",
                    "postgres://qa:s3cret@db/fleet?password_file=relative", "postgres://qa:s3cret@db/fleet?user=x"] {
            do {
                _ = try FleetURL(parsing: bad)
                Issue.record("accepted \(bad)")
            } catch {
                #expect(!error.description.contains("s3cret"), "\(error)")
            }
        }
    }

    static let oneStation = """
        [model]
        path = "/m.safetensors"
        [[station]]
        name = "a"
        folder = "/w"

        """

    @Test func configErrorsNameTheKeyWithoutThePassword() throws {
        let toml = Self.oneStation + """
            [fleet]
            url = "postgres://qa:hunter2@db/fleet?sslmode=sometimes"
            site = "plant-a/line-3"
            """
        do {
            _ = try InspectdConfiguration.parse(toml: toml, file: "/etc/inspectd/inspectd.toml")
            Issue.record("accepted a bad sslmode")
        } catch {
            let text = "\(error)"
            #expect(text.contains("fleet.url") && text.contains("sslmode"), "\(text)")
            #expect(!text.contains("hunter2"), "\(text)")
        }
    }

    @Test func fleetAndFollowPublishedParse() throws {
        let toml = Self.oneStation + """
            follow_published = "product-x"
            [fleet]
            url = "postgres://inspectd@db/fleet?sslmode=require"
            password_file = "/etc/inspectd/pg.pass"
            site = "plant-a/line-3"
            batch_size = 50
            outbox_max_rows = 5000
            """
        let c = try InspectdConfiguration.parse(toml: toml, file: "f.toml")
        let fleet = try #require(c.fleet)
        #expect(fleet.site == "plant-a/line-3" && fleet.batchSize == 50 && fleet.outboxMaxRows == 5000)
        #expect(fleet.url.passwordFile == "/etc/inspectd/pg.pass" && fleet.url.tls == .require)
        #expect(c.stations[0].followPublished == "product-x")

        let orphan = toml.replacingOccurrences(of: "[fleet]", with: "[nofleet]")
        #expect(throws: ConfigError.self) { _ = try InspectdConfiguration.parse(toml: orphan, file: "f.toml") }
        let noFleet = String(toml[..<toml.range(of: "[fleet]")!.lowerBound])
        do {
            _ = try InspectdConfiguration.parse(toml: noFleet, file: "f.toml")
            Issue.record("follow_published without [fleet] accepted")
        } catch {
            #expect("\(error)".contains("station[0].follow_published"))
        }
    }
}
