import ArgumentParser
import Config
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Inspection
import Logging
import Store
import Web

/// `inspectd-web bench`: builds a verdict log of N rows in a temporary folder (three
/// stations over the last 24 hours, as the daemon writes them), serves it on a loopback
/// port in this process, and times GET `/` (the list page) and GET `/metrics` over real
/// HTTP: the first request separately (metrics catch up on the whole log then), then the
/// median and worst of the rest. Run it on a release build.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Time the list page and /metrics on a generated log.")

    @Option(help: "Verdicts in the generated log.")
    var verdicts = 10_000

    @Option(help: "Timed requests per page after the first.")
    var repeats = 30

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("inspectd-web-bench-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("bench.sqlite").path
        let generated = Date()
        try Self.generate(path: path, count: verdicts)
        print("generated \(verdicts) verdicts in \(String(format: "%.1f", Date().timeIntervalSince(generated))) s")

        // The metrics' first catch-up on the whole log, which the server does in the
        // background at start, timed on its own state.
        let cold = WebState(databasePath: path, configuration: nil, usersPath: "/nonexistent", sessionHours: 1)
        let catchUpStart = DispatchTime.now().uptimeNanoseconds
        try cold.catchUpMetrics()
        print(String(format: "metrics catch-up on the whole log (at start, in the background): %.1f ms",
                     Double(DispatchTime.now().uptimeNanoseconds - catchUpStart) / 1e6))
        let state = WebState(databasePath: path, configuration: nil, usersPath: folder.appendingPathComponent("users").path,
                             sessionHours: 1)
        let portBox = PortBox()
        var logger = Logger(label: "inspectd-web-bench")
        logger.logLevel = .warning
        let server = Task {
            try await WebServer(state: state, host: "127.0.0.1", port: 0).run(logger: logger) { portBox.set($0) }
        }
        defer { server.cancel() }
        var port = 0
        for _ in 0..<200 where port == 0 {
            try await Task.sleep(for: .milliseconds(50))
            port = portBox.get()
        }
        guard port > 0 else { throw ValidationError("the server did not start") }
        let session = URLSession(configuration: .ephemeral)
        for (name, route) in [("list page", "/"), ("/metrics", "/metrics"), ("list page, station + verdict filter", "/?station=line-2&verdict=fail")] {
            let url = URL(string: "http://127.0.0.1:\(port)\(route)")!
            let first = try await Self.time(session, url)
            var times: [Double] = []
            for _ in 0..<repeats { times.append(try await Self.time(session, url).seconds) }
            times.sort()
            print(String(format: "%@: first %.1f ms (%d bytes), median %.1f ms, worst %.1f ms over %d requests",
                         name, first.seconds * 1000, first.bytes, times[times.count / 2] * 1000, (times.last ?? 0) * 1000, repeats))
        }
    }

    private static func time(_ session: URLSession, _ url: URL) async throws -> (seconds: Double, bytes: Int) {
        let start = DispatchTime.now().uptimeNanoseconds
        let (data, response) = try await session.data(from: url)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
            throw ValidationError("\(url) answered \((response as? HTTPURLResponse)?.statusCode ?? 0)")
        }
        return (seconds, data.count)
    }

    /// N finished rows as the daemon leaves them: discovered, claimed, completed (one in 50
    /// an error), with stage timings; one transaction each, like the daemon.
    static func generate(path: String, count: Int) throws {
        let store = try VerdictStore.openForWriting(path: path)
        let now = Date().timeIntervalSince1970
        let stations = ["line-1", "line-2", "line-3"]
        var random = SystemRandomNumberGenerator()
        for index in 0..<count {
            let station = stations[index % stations.count]
            let time = now - 86_400 + 86_400 * Double(index) / Double(max(count, 1))
            let hash = String(format: "%064x", index)
            let file = DiscoveredFile(station: station, path: "/srv/camera/\(station)/img\(index).png", size: 200_000,
                                      mtime: time - 2, contentHash: hash)
            guard let id = try store.recordDiscovered(file, at: time - 1), let claimed = try store.claimNext(at: time - 0.5),
                  claimed.id == id else { continue }
            if index % 50 == 49 {
                try store.fail(id: id, kind: "corrupt_image", message: "truncated JPEG", timings: nil, at: time)
                continue
            }
            let score = Double.random(in: 0..<1, using: &random) * Double.random(in: 0..<1, using: &random)
            let verdict: Verdict = score >= 0.6 ? .fail : score >= 0.4 ? .review : .pass
            var timings = InspectionResult.Timings()
            timings.decode = 0.004 + Double.random(in: 0..<0.004, using: &random)
            timings.preprocess = 0.006
            timings.encode = 0.2 + Double.random(in: 0..<0.1, using: &random)
            timings.score = 0.02
            var stored = StoredVerdict(verdict: verdict, score: score, imageProbability: score, mapMaximum: score,
                                       reviewThreshold: 0.4, failThreshold: 0.6, scoreMode: "image_probability",
                                       modelVersion: "bench", timings: timings, originalWidth: 1280, originalHeight: 960,
                                       geometryJSON: "{}")
            if verdict != .pass { stored.defectClass = "scratch"; stored.defectProbability = 0.5 + score / 2 }
            try store.complete(id: id, with: stored, at: time)
        }
    }
}

/// The port the server reports once it listens, handed from its callback to the bench.
final class PortBox: @unchecked Sendable {
    private let lock = NSLock()
    private var port = 0
    func set(_ value: Int) { lock.lock(); port = value; lock.unlock() }
    func get() -> Int { lock.lock(); defer { lock.unlock() }; return port }
}
