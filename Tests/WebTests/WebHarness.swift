import Foundation
import Inspection
import Store
import TestSupport
import WebAuth

/// A verdict log with real image files and maps, a configuration and a users file in a
/// temporary folder, and the real `inspectd-web` binary serving them on a loopback port
/// (port 0: the kernel picks one; the binary prints it).
final class WebHarness: @unchecked Sendable {
    let scratch: StoreScratch
    let database: String
    let configPath: String
    let usersPath: String
    let store: VerdictStore
    private(set) var process: Process?
    private(set) var port = 0
    static let user = "qa-anna"
    static let password = "correct horse battery"
    static let imageWidth = 64
    static let imageHeight = 48

    init() throws {
        scratch = try StoreScratch()
        database = scratch.path("inspectd.db")
        configPath = scratch.path("inspectd.toml")
        usersPath = scratch.path("web-users")
        store = try VerdictStore.openForWriting(path: database)
        let toml = """
            database = "\(database)"
            [model]
            path = "/models/clip.safetensors"
            [fewshot.classes]
            scratch = "a thin bright line"
            dent = "a dent"
            [web]
            listen = "127.0.0.1:0"
            users_file = "\(usersPath)"
            [[station]]
            name = "line-1"
            folder = "\(scratch.directory.path)/line-1"
            [[station]]
            name = "line-2"
            folder = "\(scratch.directory.path)/line-2"
            """
        try toml.write(toFile: configPath, atomically: true, encoding: .utf8)
        var users = UsersFile(path: usersPath)
        users.set(name: Self.user, hash: try PasswordHash.make(password: Self.password, logN: 12))
        try users.save()
    }

    deinit { stop() }

    /// A real PNG of the harness size, different per `n`.
    func writeImage(_ n: Int, station: String) throws -> (path: String, bytes: [UInt8]) {
        let folder = scratch.directory.appendingPathComponent(station)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // A grey part lit from the left, with a bright scratch whose place depends on n.
        var pixels = [UInt8](repeating: 0, count: Self.imageWidth * Self.imageHeight * 3)
        for y in 0..<Self.imageHeight {
            for x in 0..<Self.imageWidth {
                let scratch = abs((x - 8 - n * 5 % 40) - (y - 10)) < 2 && y > 10 && y < 30
                let shade = scratch ? 235 : 70 + (Self.imageWidth - x) + (n * 13) % 40
                for c in 0..<3 { pixels[3 * (y * Self.imageWidth + x) + c] = UInt8(min(shade + c * 6, 255)) }
            }
        }
        // Every n its own content (labels are keyed by content hash).
        pixels[0] = UInt8(n & 255)
        pixels[1] = UInt8((n >> 8) & 255)
        let bytes = try PNGEncoder.encodeRGB8(RGBImage(width: Self.imageWidth, height: Self.imageHeight, pixels: pixels))
        let path = folder.appendingPathComponent("img\(n).png").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (path, bytes)
    }

    /// Discovers, claims and completes one image as the daemon does, with its map and geometry.
    @discardableResult
    func addVerdict(_ n: Int, station: String = "line-1", verdict: Verdict = .pass, score: Double = 0.1,
                    at time: Double = Date().timeIntervalSince1970, defectClass: String? = nil) throws -> Int64 {
        let image = try writeImage(n, station: station)
        let file = DiscoveredFile(station: station, path: image.path, size: Int64(image.bytes.count), mtime: time - 5,
                                  contentHash: ContentHash.sha256(image.bytes))
        guard let id = try store.recordDiscovered(file, at: time - 1), let claimed = try store.claimNext(at: time - 0.5),
              claimed.id == id else { throw HTTPClient.Failure(description: "sample \(n) not claimed") }
        let geometry = InputGeometry(originalWidth: Self.imageWidth, originalHeight: Self.imageHeight, inputSize: 32, mode: .squash)
        var stored = StoreSamples.verdict(verdict, score: score, map: try Self.map(seed: n))
        stored.originalWidth = Self.imageWidth
        stored.originalHeight = Self.imageHeight
        stored.geometryJSON = String(decoding: try JSONEncoder().encode(geometry), as: UTF8.self)
        stored.defectClass = defectClass
        try store.complete(id: id, with: stored, at: time)
        return id
    }

    static func map(seed: Int) throws -> EncodedMap {
        let values = (0..<(32 * 32)).map { Float(($0 * 13 + seed * 7) % 97) / 96 }
        return try EncodedMap(try AnomalyMap(width: 32, height: 32, values: values))
    }

    /// The built binary next to the test bundle (INSPECTD_WEB_BINARY overrides).
    static var binary: URL {
        if let override = ProcessInfo.processInfo.environment["INSPECTD_WEB_BINARY"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        let candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(), Bundle.main.bundleURL,
                          URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                              .deletingLastPathComponent().appendingPathComponent(".build/debug")]
        for dir in candidates {
            for url in [dir.appendingPathComponent("inspectd-web"), dir.deletingLastPathComponent().appendingPathComponent("inspectd-web")]
            where FileManager.default.isExecutableFile(atPath: url.path) {
                return url
            }
        }
        return candidates[2].appendingPathComponent("inspectd-web")
    }

    /// Starts the binary and waits for "listening on http://127.0.0.1:PORT".
    func start() throws {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["--config", configPath]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        self.process = process
        let handle = output.fileHandleForReading
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let data = handle.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
            if let range = text.range(of: "listening on http://127.0.0.1:") {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits), port > 0 {
                    self.port = port
                    return
                }
            }
        }
        throw HTTPClient.Failure(description: "inspectd-web did not report a port; output: \(text)")
    }

    func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    func client() -> HTTPClient { HTTPClient(port: port) }

    /// A client signed in as the harness user (visitor cookie, CSRF token, session cookie).
    func signedInClient() throws -> (client: HTTPClient, csrf: String) {
        var client = client()
        let login = try client.get("/login")
        guard let csrf = HTTPClient.csrf(in: login.text) else { throw HTTPClient.Failure(description: "no csrf on /login") }
        let reply = try client.post("/login", [("csrf", csrf), ("user", Self.user), ("password", Self.password), ("next", "/")])
        guard reply.status == 303, client.cookies["inspectd_session"] != nil else {
            throw HTTPClient.Failure(description: "sign-in failed: \(reply.status) \(reply.text.prefix(300))")
        }
        return (client, csrf)
    }
}
