import Config
@testable import Daemon
import Foundation
import Glibc
import Inspection
import Store
import Testing

/// `kind = "socket"` on a real Unix socket: every client gets every line in order, a client
/// that stops reading is dropped without holding up the others, stale socket files are
/// replaced and other files left alone.
@Suite struct SocketOutputTests {
    private func output(_ path: String, clientBuffer: Int = 16384) throws -> SocketOutput {
        var settings = SocketOutputSettings(path: path)
        settings.clientBuffer = clientBuffer
        return try SocketOutput(station: "line1", configuration: OutputConfiguration(kind: .socket(settings)),
                                settings: settings, logger: OutputFixture.quiet)
    }

    private func connect(_ path: String) throws -> Int32 {
        var fd: Int32 = -1
        #expect(eventually { (fd = FollowClient.connect(path)) == () && fd >= 0 })
        guard fd >= 0 else { throw HarnessError("cannot connect to \(path)") }
        return fd
    }

    /// Reads lines until `count` arrived or the peer closed.
    private func readLines(_ fd: Int32, count: Int, timeout: Double = 20) -> [String] {
        var data = [UInt8]()
        var lines = [String]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(timeout)
        while lines.count < count && Date() < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 100) > 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            data += buffer[0..<n]
            while let nl = data.firstIndex(of: 0x0A) {
                lines.append(String(decoding: data[..<nl], as: UTF8.self))
                data.removeSubrange(...nl)
            }
        }
        return lines
    }

    @Test func everyClientGetsEveryLineInOrderAndTheSocketIsGroupAccessible() throws {
        let fx = try OutputFixture()
        let path = try fx.folder("run") + "/v.sock"
        let out = try output(path)
        defer { out.stop() }
        let a = try connect(path), b = try connect(path)
        defer { close(a); close(b) }
        #expect(eventually { out.status().clients == 2 })
        var st = stat()
        #expect(lstat(path, &st) == 0 && st.st_mode & 0o777 == 0o660)
        for i in 1...50 { out.deliver(OutputFixture.synthetic(Int64(i))) }
        let expected = (1...50).map { OutputFixture.synthetic(Int64($0)).json }
        let (fromA, fromB) = (readLines(a, count: 50), readLines(b, count: 50))
        #expect(fromA.count == 50 && fromA == expected)
        #expect(fromB.count == 50 && fromB == expected)
        #expect(eventually { out.status().delivered == 50 })
        out.stop()
        #expect(access(path, F_OK) != 0, "the socket file is removed at stop")
    }

    @Test func aClientThatStopsReadingIsDroppedWhileAnotherKeepsReceiving() throws {
        let fx = try OutputFixture()
        let path = try fx.folder("run") + "/v.sock"
        let out = try output(path, clientBuffer: 8192)
        defer { out.stop() }
        let slow = try connect(path), fast = try connect(path)
        defer { close(slow); close(fast) }
        #expect(eventually { out.status().clients == 2 })
        let total = 400
        let received = ThreadResult([String]())
        let done = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            received.value = readLines(fast, count: total, timeout: 60)
            done.signal()
        }
        thread.start()
        // About 400 verdicts a second (far above a line's rate), 1 kB each: the reader keeps
        // up, the client that never reads overflows its 8 kB (plus the kernel's share).
        var longest = 0.0
        for i in 1...total {
            let t = Date()
            out.deliver(OutputFixture.synthetic(Int64(i), size: 1000))
            longest = max(longest, Date().timeIntervalSince(t))
            usleep(2500)
        }
        #expect(longest < 0.1, "deliver never waits for a client (longest \(longest) s)")
        #expect(done.wait(timeout: .now() + 60) == .success)
        let expected = (1...total).map { OutputFixture.synthetic(Int64($0), size: 1000).json }
        #expect(received.value.count == total)
        #expect(received.value == expected, "first difference at \(Array(zip(received.value, expected)).firstIndex { $0.0 != $0.1 } ?? -1)")
        #expect(eventually { out.status().dropped == 1 && out.status().clients == 1 })
        // The slow client got a prefix, then end of file.
        let partial = readLines(slow, count: total, timeout: 5)
        #expect(partial.count > 0 && partial.count < 100, "slow client got \(partial.count) lines before the drop")
        #expect(partial == Array(expected.prefix(partial.count)))
    }

    @Test func aStaleSocketFileIsReplacedAndARegularFileIsLeftAlone() throws {
        let fx = try OutputFixture()
        let run = try fx.folder("run")
        // A socket file nobody listens on, as a killed daemon leaves it.
        let stale = run + "/stale.sock"
        let (fd, bound) = FollowClient.open(stale, bind: true)
        close(fd)
        #expect(bound == 0 && access(stale, F_OK) == 0)
        let out = try output(stale)
        defer { out.stop() }
        let client = try connect(stale)
        close(client)

        let regular = run + "/file.sock"
        try "keep me".write(toFile: regular, atomically: true, encoding: .utf8)
        let refused = try output(regular)
        defer { refused.stop() }
        #expect(eventually { refused.status().failed >= 1 })
        #expect(refused.status().lastError?.contains("not a socket") == true)
        #expect(try String(contentsOfFile: regular, encoding: .utf8) == "keep me")
    }
}
