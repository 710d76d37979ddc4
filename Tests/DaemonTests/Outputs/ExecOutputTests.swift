import Config
@testable import Daemon
import Foundation
import Glibc
import Inspection
import Store
import Testing

/// `kind = "exec"` with real programs (/bin/sh scripts in a scratch folder): the document on
/// stdin, the timeout killing the whole process group, failures counted, a full queue
/// dropping instead of blocking.
@Suite struct ExecOutputTests {
    private func script(_ fx: OutputFixture, _ name: String, _ body: String) throws -> String {
        let path = try fx.folder("bin") + "/" + name
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    private func output(_ command: [String], timeout: Double = 10, concurrency: Int = 1, queue: Int = 100) -> ExecOutput {
        var settings = ExecOutputSettings(command: command)
        settings.timeout = timeout
        settings.concurrency = concurrency
        settings.queue = queue
        return ExecOutput(station: "line1", configuration: OutputConfiguration(kind: .exec(settings)), settings: settings,
                          logger: OutputFixture.quiet)
    }

    @Test func theCommandGetsTheDocumentOnStdinAndTheVerdictInItsEnvironment() throws {
        let fx = try OutputFixture()
        let log = try fx.folder("log") + "/calls"
        let cmd = try script(fx, "hook", #"cat >> "$1"; echo "$INSPECTD_STATION $INSPECTD_VERDICT $INSPECTD_INSPECTION_ID $2" >> "$1.env""#)
        let out = output([cmd, log, "two words"])
        defer { out.stop() }
        let id = try fx.finish(.fail, name: "p.png")
        let v = try fx.verdict(id)
        out.deliver(v)
        #expect(eventually { out.status().delivered == 1 })
        #expect(try String(contentsOfFile: log, encoding: .utf8) == v.json + "\n")
        #expect(try String(contentsOfFile: log + ".env", encoding: .utf8) == "line1 fail \(id) two words\n")
    }

    @Test func aHangingCommandIsKilledWithItsChildrenAtItsTimeout() throws {
        let fx = try OutputFixture()
        let pids = try fx.folder("log") + "/pids"
        // The command forks a helper that would outlive it, then hangs without reading stdin.
        let cmd = try script(fx, "hang", #"sleep 300 & echo $! > "$1"; sleep 300"#)
        let out = output([cmd, pids], timeout: 0.5)
        defer { out.stop() }
        let started = Date()
        out.deliver(OutputFixture.synthetic(1))
        #expect(eventually(timeout: 15) { out.status().failed == 1 })
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed >= 0.5 && elapsed < 6, "killed after \(elapsed) s")
        #expect(out.status().lastError?.contains("did not finish within 0.5 s") == true)
        let helper = try #require(Int32(try String(contentsOfFile: pids, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(eventually { kill(helper, 0) != 0 }, "the helper in the command's process group is gone too")
    }

    @Test func nonZeroExitsAndMissingProgramsAreCountedWithTheirReason() throws {
        let fx = try OutputFixture()
        let cmd = try script(fx, "fails", "cat > /dev/null; echo 'gate offline' >&2; exit 3")
        let out = output([cmd])
        defer { out.stop() }
        out.deliver(OutputFixture.synthetic(1))
        #expect(eventually { out.status().failed == 1 })
        #expect(out.status().lastError == "\(cmd) exited with status 3: gate offline")

        let missing = output([fx.scratch.directory.path + "/no-such-program"])
        defer { missing.stop() }
        missing.deliver(OutputFixture.synthetic(2))
        #expect(eventually { missing.status().failed == 1 })
        #expect(missing.status().lastError?.contains("cannot start") == true)
    }

    @Test func aFullQueueDropsInsteadOfBlocking() throws {
        let fx = try OutputFixture()
        let cmd = try script(fx, "slow", "cat > /dev/null; sleep 2")
        let out = output([cmd], timeout: 5, queue: 3)
        defer { out.stop() }
        let started = Date()
        for i in 1...20 { out.deliver(OutputFixture.synthetic(Int64(i))) }
        #expect(Date().timeIntervalSince(started) < 0.5, "deliver never waits for the command")
        // One running, three queued, the rest dropped.
        #expect(eventually { out.status().dropped >= 16 })
        // The first may or may not have left the queue before the others arrived.
        #expect((16...17).contains(out.status().dropped))
        #expect(out.status().pending <= 3)
    }

    @Test func aCommandThatIgnoresStdinStillRunsAndSucceeds() throws {
        let fx = try OutputFixture()
        let cmd = try script(fx, "ignore", "exit 0")
        let out = output([cmd])
        defer { out.stop() }
        out.deliver(OutputFixture.synthetic(1, size: 300_000))
        #expect(eventually { out.status().delivered == 1 && out.status().failed == 0 })
    }
}
