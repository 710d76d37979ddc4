import Config

import Foundation
import Inspection
import Testing

/// `[[station.output]]`: each kind with its defaults and every key, and the messages for
/// what is wrong (naming `station[i].output[j].key` and the value).
@Suite struct OutputConfigTests {
    private func outputs(_ tables: String) throws -> [OutputConfiguration] {
        try ConfigFixture.parse(ConfigFixture.with(extra: tables)).stations[0].outputs
    }

    @Test func noOutputsByDefault() throws {
        #expect(try ConfigFixture.parse(ConfigFixture.minimal).stations[0].outputs.isEmpty)
    }

    @Test func eachKindWithItsDefaults() throws {
        let list = try outputs("""
            [[station.output]]
            kind = "file"
            folder = "/srv/results/a/"
            [[station.output]]
            kind = "socket"
            path = "/run/inspectd/a.sock"
            [[station.output]]
            kind = "exec"
            command = ["/usr/local/bin/gate", "--line", "3"]
            """)
        #expect(list == [
            OutputConfiguration(kind: .file(FileOutputSettings(folder: "/srv/results/a"))),
            OutputConfiguration(kind: .socket(SocketOutputSettings(path: "/run/inspectd/a.sock"))),
            OutputConfiguration(kind: .exec(ExecOutputSettings(command: ["/usr/local/bin/gate", "--line", "3"]))),
        ])
        #expect(list.map(\.name) == ["file:/srv/results/a", "socket:/run/inspectd/a.sock", "exec:/usr/local/bin/gate"])
        guard case let .exec(e) = list[2].kind, case let .socket(s) = list[1].kind, case let .file(f) = list[0].kind else {
            Issue.record("kinds")
            return
        }
        #expect(e.timeout == 10 && e.concurrency == 1 && e.queue == 100)
        #expect(s.clientBuffer == 256 * 1024 && s.maxClients == 16)
        #expect(f.keepCount == nil && f.keepAge == nil && f.retryInterval == 5)
        #expect(list.allSatisfy { $0.accepts(.pass) && $0.accepts(.fail) })
    }

    @Test func everyKeyIsRead() throws {
        let list = try outputs("""
            [[station.output]]
            kind = "file"
            name = "mes"
            verdicts = ["fail", "review"]
            folder = "/srv/results"
            keep_count = 1000
            keep_age = "7d"
            retry_interval = "500ms"
            [[station.output]]
            kind = "socket"
            path = "/run/inspectd/a.sock"
            client_buffer = 65536
            max_clients = 4
            [[station.output]]
            kind = "exec"
            command = ["/usr/local/bin/gate"]
            timeout = 2.5
            concurrency = 3
            queue = 10
            """)
        var file = FileOutputSettings(folder: "/srv/results", keepCount: 1000, keepAge: 7 * 86400)
        file.retryInterval = 0.5
        var socket = SocketOutputSettings(path: "/run/inspectd/a.sock")
        socket.clientBuffer = 65536
        socket.maxClients = 4
        var exec = ExecOutputSettings(command: ["/usr/local/bin/gate"])
        exec.timeout = 2.5
        exec.concurrency = 3
        exec.queue = 10
        #expect(list == [OutputConfiguration(kind: .file(file), name: "mes", verdicts: [.fail, .review]),
                         OutputConfiguration(kind: .socket(socket)), OutputConfiguration(kind: .exec(exec))])
        #expect(list[0].accepts(.fail) && !list[0].accepts(.pass))
    }

    @Test(arguments: [("30", 30.0), ("\"45s\"", 45), ("\"15m\"", 900), ("\"12h\"", 43200), ("\"1.5d\"", 129600), ("\"250ms\"", 0.25)])
    func durations(text: String, seconds: Double) throws {
        let list = try outputs("[[station.output]]\nkind = \"file\"\nfolder = \"/srv/r\"\nkeep_age = \(text)")
        guard case let .file(f) = list[0].kind else { return }
        #expect(f.keepAge == seconds)
    }

    @Test func badValuesNameTheKeyAndTheValue() {
        let file = "[[station.output]]\nkind = \"file\"\n"
        let cases: [(String, String, String, String)] = [
            ("[[station.output]]\nfolder = \"/x\"", "station[0].output[0].kind", "nothing", "required"),
            ("[[station.output]]\nkind = \"mqtt\"", "station[0].output[0].kind", "\"mqtt\"", "expected file, socket or exec"),
            (file, "station[0].output[0].folder", "nothing", "required"),
            (file + "folder = \"results\"", "station[0].output[0].folder", "\"results\"", "absolute"),
            (file + "folder = \"/r\"\nkeep_count = 0", "station[0].output[0].keep_count", "0", "at least 1"),
            (file + "folder = \"/r\"\nkeep_age = \"soon\"", "station[0].output[0].keep_age", "\"soon\"", "duration"),
            (file + "folder = \"/r\"\nkeep_age = -1", "station[0].output[0].keep_age", "-1", "greater than 0"),
            (file + "folder = \"/r\"\npath = \"/run/x.sock\"", "station[0].output[0].path", "\"/run/x.sock\"", "only allowed when kind = \"socket\""),
            (file + "folder = \"/r\"\nverdicts = [\"bad\"]", "station[0].output[0].verdicts[0]", "\"bad\"", "\"pass\", \"review\" or \"fail\""),
            (file + "folder = \"/r\"\nverdicts = []", "station[0].output[0].verdicts", "[]", "at least one"),
            (file + "folder = \"/r\"\nfodler = \"/r\"", "station[0].output[0].fodler", "\"/r\"", "did you mean folder"),
            ("[[station.output]]\nkind = \"socket\"\npath = \"/run/" + String(repeating: "s", count: 120) + "\"",
             "station[0].output[0].path", "/run/sss", "107 bytes"),
            ("[[station.output]]\nkind = \"socket\"\npath = \"/r.sock\"\nclient_buffer = 100", "station[0].output[0].client_buffer", "100", "between 4096"),
            ("[[station.output]]\nkind = \"exec\"", "station[0].output[0].command", "nothing", "required"),
            ("[[station.output]]\nkind = \"exec\"\ncommand = []", "station[0].output[0].command", "[]", "must name a program"),
            ("[[station.output]]\nkind = \"exec\"\ncommand = [\"gate.sh\", \"x\"]", "station[0].output[0].command[0]", "\"gate.sh\"", "no shell"),
            ("[[station.output]]\nkind = \"exec\"\ncommand = \"/bin/gate --x\"", "station[0].output[0].command", "\"/bin/gate --x\"", "an array"),
            ("[[station.output]]\nkind = \"exec\"\ncommand = [\"/bin/gate\"]\ntimeout = 0", "station[0].output[0].timeout", "0", "between 0.1 s and 1 h"),
            ("[[station.output]]\nkind = \"exec\"\ncommand = [\"/bin/gate\"]\nconcurrency = 0", "station[0].output[0].concurrency", "0", "between 1 and 64"),
            ("[[station.output]]\nkind = \"exec\"\ncommand = [\"/bin/gate\"]\nqueue = 0", "station[0].output[0].queue", "0", "between 1 and 100000"),
            ("[[station.output]]\nkind = \"exec\"\ncommand = [\"/bin/gate\"]\nname = \"a b\"", "station[0].output[0].name", "\"a b\"", "letters, digits"),
            (file + "folder = \"/r\"\n" + file + "folder = \"/r\"", "station[0].output[1].name", "\"file:/r\"", "duplicate of station[0].output[0]"),
        ]
        for (tables, key, value, problem) in cases {
            expectConfigError(ConfigFixture.with(extra: tables), key: key, value: value, problem: problem)
        }
    }

    @Test func aSocketPathServesOneOutputOnly() {
        let toml = ConfigFixture.with(extra: """
            [[station.output]]
            kind = "socket"
            path = "/run/inspectd/v.sock"
            [[station]]
            name = "b"
            folder = "/srv/b"
            [[station.output]]
            kind = "socket"
            path = "/run/inspectd/v.sock"
            """)
        expectConfigError(toml, key: "station[1].output[0].path", value: "\"/run/inspectd/v.sock\"",
                          problem: "already used by station[0].output[0].path")
    }

    @Test func fileSystemChecksNameTheOutput() throws {
        let root = try ConfigTempFolder()
        let model = try root.write("weights", to: "m.safetensors")
        let camera = try root.makeFolder("camera")
        let script = try root.write("#!/bin/sh\n", to: "gate.sh")
        _ = try root.makeFolder("run")
        let plain = try root.write("x", to: "run/plain")
        func problem(_ output: String) throws -> String? {
            let config = try InspectdConfiguration.parse(toml: """
                database = "\(root.path)/inspectd.db"
                [model]
                path = "\(model)"
                [[station]]
                name = "a"
                folder = "\(camera)"
                [[station.output]]
                \(output)
                """, file: "inspectd.toml")
            do {
                try config.checkFileSystem()
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(try problem("kind = \"file\"\nfolder = \"\(root.path)/not-yet\"") == nil, "a missing output folder is retried, not refused")
        #expect(try problem("kind = \"exec\"\ncommand = [\"\(root.path)/nope\"]")?.contains("station[0].output[0].command[0]: program does not exist") == true)
        chmod(script, 0o644)
        // Without any x bit not even root may run it.
        #expect(try problem("kind = \"exec\"\ncommand = [\"\(script)\"]")?.contains("is not executable") == true)
        chmod(script, 0o755)
        #expect(try problem("kind = \"exec\"\ncommand = [\"\(script)\"]") == nil)
        #expect(try problem("kind = \"socket\"\npath = \"\(root.path)/no-dir/v.sock\"")?.contains("station[0].output[0].path: its folder") == true)
        #expect(try problem("kind = \"socket\"\npath = \"\(plain)\"")?.contains("is a regular file") == true)
        #expect(try problem("kind = \"socket\"\npath = \"\(root.path)/run/v.sock\"") == nil)
    }
}
