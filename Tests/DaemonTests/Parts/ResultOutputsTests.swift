import Config
@testable import Daemon
import Foundation
import Glibc
import Inspection
import Store
import Testing

/// The part between the loop and the outputs, in-process on the tiny model: verdicts go out
/// only after their commit, a reload keeps unchanged outputs (and their clients) running and
/// stops removed ones, and a file output resumes from its persisted cursor after a restart.
@Suite(.serialized) struct ResultOutputsTests {
    private func outputTables(_ fx: PartsFixture, socket: Bool = true) -> String {
        let out = fx.scratch.directory.appendingPathComponent("out").path
        let sock = fx.scratch.directory.appendingPathComponent("v.sock").path
        return """
            [[station.output]]
            kind = "file"
            folder = "\(out)"
            """ + (socket ? """

            [[station.output]]
            kind = "socket"
            path = "\(sock)"
            """ : "")
    }

    private func documents(_ fx: PartsFixture) -> [String] {
        let out = fx.scratch.directory.appendingPathComponent("out").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    private func score(_ fx: PartsFixture, _ processor: ImageProcessor, _ name: String) throws -> Int64 {
        let item = try ImageProcessorTests.queued(fx, try fx.writeImage(name))
        try processor.process(item)
        return item.id
    }

    @Test func verdictsAreSentAfterTheirCommitAndReloadKeepsOrStopsOutputs() throws {
        let fx = try PartsFixture()
        try FileManager.default.createDirectory(at: fx.scratch.directory.appendingPathComponent("out"), withIntermediateDirectories: true)
        try fx.writeConfig(stations: outputTables(fx))
        let registry = try fx.registry()
        let processor = ImageProcessor(store: fx.store, registry: registry, clock: fx.clock, logger: fx.logger)
        let outputs = ResultOutputs(store: fx.store, logger: fx.logger)
        defer { outputs.stop() }
        var committedWhenPublished = [Bool]()
        processor.published = { id, station in
            committedWhenPublished.append((try? fx.store.record(id: id).state) == .done)
            outputs.published(id: id, station: station)
        }
        outputs.configure(try fx.configuration())
        let sockPath = fx.scratch.directory.appendingPathComponent("v.sock").path
        var client: Int32 = -1
        #expect(eventually { client = FollowClient.connect(sockPath); return client >= 0 })
        defer { close(client) }
        #expect(eventually { outputs.statuses(now: 0).first { $0.kind == "socket" }?.clients == 1 })

        let first = try score(fx, processor, "a.png")
        #expect(committedWhenPublished == [true])
        #expect(eventually { documents(fx) == ["a.png.\(first).json"] })
        let line = FollowClient.lines(client, count: 1)
        #expect(line.count == 1 && line.first?.contains("\"id\":\(first)") == true && line.first?.contains("\"schema\":\"inspectd.verdict/1\"") == true)

        // Same configuration: the same outputs, the client stays connected.
        let before = outputs.statuses(now: 0)
        outputs.configure(try fx.configuration())
        let second = try score(fx, processor, "b.png")
        #expect(FollowClient.lines(client, count: 1).first?.contains("\"id\":\(second)") == true)
        #expect(eventually { outputs.statuses(now: 0).first { $0.kind == "file" }?.delivered == 2 })
        #expect(before.first { $0.kind == "socket" }?.clients == 1)

        // The socket output removed: its client gets end of file, its file goes.
        try fx.writeConfig(stations: outputTables(fx, socket: false))
        outputs.configure(try fx.configuration())
        #expect(FollowClient.lines(client, count: 1, timeout: 5).isEmpty)
        #expect(access(sockPath, F_OK) != 0)
        #expect(outputs.statuses(now: 0).map(\.kind) == ["file"])

        outputs.persist(now: fx.clock.now)
        let stored = try fx.store.outputStatuses()
        #expect(stored.count == 1 && stored.first?.cursor == second && stored.first?.delivered == 2)
    }

    @Test func aRestartedFileOutputExportsWhatWasDecidedWhileItWasDown() throws {
        let fx = try PartsFixture()
        try FileManager.default.createDirectory(at: fx.scratch.directory.appendingPathComponent("out"), withIntermediateDirectories: true)
        try fx.writeConfig(stations: outputTables(fx, socket: false))
        let registry = try fx.registry()
        let processor = ImageProcessor(store: fx.store, registry: registry, clock: fx.clock, logger: fx.logger)
        let first = try score(fx, processor, "before.png")  // before any output existed: history, not exported
        var outputs = ResultOutputs(store: fx.store, logger: fx.logger)
        outputs.configure(try fx.configuration())
        processor.published = { outputs.published(id: $0, station: $1) }
        let second = try score(fx, processor, "during.png")
        #expect(eventually { documents(fx) == ["during.png.\(second).json"] })
        outputs.stop()
        outputs.persist(now: fx.clock.now)

        // The daemon is down for outputs (killed, say): two verdicts nobody exported.
        processor.published = { _, _ in }
        let third = try score(fx, processor, "down1.png")
        let fourth = try score(fx, processor, "down2.png")
        outputs = ResultOutputs(store: fx.store, logger: fx.logger)
        defer { outputs.stop() }
        outputs.configure(try fx.configuration())
        #expect(eventually { documents(fx).count == 3 })
        #expect(documents(fx) == ["down1.png.\(third).json", "down2.png.\(fourth).json", "during.png.\(second).json"])
        #expect(first < second)
    }
}

/// A minimal client of an output socket for the in-process tests.
enum FollowClient {
    static func connect(_ path: String) -> Int32 {
        let (fd, rc) = open(path)
        if rc != 0 { close(fd) }
        return rc == 0 ? fd : -1
    }

    /// A fresh stream socket `connect`ed (or `bind`ed) to `path`, and the call's result.
    static func open(_ path: String, bind: Bool = false) -> (fd: Int32, rc: Int32) {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8))
            raw[path.utf8.count] = 0
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind ? Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                    : Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return (fd, rc)
    }

    /// Up to `count` lines, read one byte at a time so nothing beyond them is consumed.
    static func lines(_ fd: Int32, count: Int, timeout: Double = 20) -> [String] {
        var lines = [String](), current = [UInt8]()
        let deadline = Date().addingTimeInterval(timeout)
        while lines.count < count && Date() < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 100) > 0 else { continue }
            var byte: UInt8 = 0
            guard recv(fd, &byte, 1, 0) == 1 else { break }
            if byte == 0x0A {
                lines.append(String(decoding: current, as: UTF8.self))
                current.removeAll()
            } else {
                current.append(byte)
            }
        }
        return lines
    }
}
