import Foundation
import Inspection
import Store

/// A real verdict log in a fresh temp directory, written through the daemon's own store API,
/// plus a runner for the real `inspectctl` binary against it.
///
/// Rows (times are offsets from `day`, 2023-11-14 00:00:00 UTC; ids are assigned in this order):
///
/// | key | station | state      | verdict | score | time (finished, else discovered) | notes                        |
/// |-----|---------|------------|---------|-------|----------------------------------|------------------------------|
/// | a   | line-1  | done       | pass    | 0.10  | +01:10  (4200)                   | map, real PNG, geometry      |
/// | b   | line-1  | done       | review  | 0.60  | +01:50  (6600)                   |                              |
/// | c   | line-1  | done       | fail    | 0.90  | +02:05  (7500)                   | map, original file missing   |
/// | d   | line-2  | done       | pass    | 0.20  | +01:20  (4800)                   | path with a comma and quotes |
/// | e   | line-2  | error      | -       | -     | +1d 01:00 (90000)                | corrupt_image                |
/// | f   | line-2  | done       | fail    | 0.85  | +1d 02:00 (93600)                |                              |
/// | g   | press-3 | done       | pass    | 0.05  | +03:00  (10800)                  |                              |
/// | h   | press-3 | done       | pass    | 0.30  | +1d 02:23:20 (95000)             |                              |
/// | j   | press-3 | processing | -       | -     | +1d 03:13:20 (98000) discovered  |                              |
/// | i   | line-1  | queued     | -       | -     | +1d 03:00 (97200) discovered     |                              |
final class QueryFixture: @unchecked Sendable {
    /// 2023-11-14 00:00:00 UTC, the start of a day (and so of an hour).
    static let day: Double = 1_699_920_000
    /// Newest first by `finishedAt ?? discoveredAt`.
    static let newestFirst = ["j", "i", "h", "f", "e", "g", "c", "b", "d", "a"]

    let directory: URL
    let dbPath: String
    /// Kept open for the fixture's lifetime, like the running daemon's connection.
    let store: VerdictStore
    private(set) var ids: [String: Int64] = [:]
    /// Row a's image: a real 400x300 PNG.
    let imagePath: String
    /// SHA-256 of the file at `imagePath`: row a names the bytes really there.
    private(set) var imageHash = ""
    /// Row d's path: contains a comma and double quotes.
    let commaPath: String
    let geometry: InputGeometry
    let geometryJSON: String

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("inspectctl-query-\(UUID().uuidString)", isDirectory: true)
        for station in ["line-1", "line-2"] {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(station),
                                                    withIntermediateDirectories: true)
        }
        dbPath = directory.appendingPathComponent("inspectd.db").path
        store = try VerdictStore.openForWriting(path: dbPath)
        imagePath = directory.appendingPathComponent("line-1/img-a.png").path
        commaPath = directory.appendingPathComponent("line-2/lot 7, tray \"3\".png").path
        geometry = InputGeometry(originalWidth: 400, originalHeight: 300, inputSize: 32, mode: .squash)
        geometryJSON = String(decoding: try JSONEncoder().encode(geometry), as: UTF8.self)
        try PNGEncoder.write(try PNGEncoder.encodeRGB8(Self.testImage(width: 400, height: 300)), to: imagePath)
        imageHash = try ContentHash.sha256(file: imagePath)
        let map = try EncodedMap(try Self.blobMap(size: 32))

        let d = Self.day
        try finish("a", "line-1", path: imagePath, hash: imageHash, at: d + 4200, .pass, 0.10, map: map)
        try finish("b", "line-1", at: d + 6600, .review, 0.60)
        try finish("c", "line-1", at: d + 7500, .fail, 0.90, map: map)
        try finish("d", "line-2", path: commaPath, at: d + 4800, .pass, 0.20)
        try finish("e", "line-2", at: d + 90000, nil, 0)
        try finish("f", "line-2", at: d + 93600, .fail, 0.85)
        try finish("g", "press-3", at: d + 10800, .pass, 0.05)
        try finish("h", "press-3", at: d + 95000, .pass, 0.30)
        // j is claimed (processing), then i is queued behind it.
        ids["j"] = try discover("j", "press-3", at: d + 98000)
        guard try store.claimNext(at: d + 98100)?.id == ids["j"] else { throw FixtureError("j not claimed") }
        ids["i"] = try discover("i", "line-1", at: d + 97200)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    struct FixtureError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    static func timings() -> InspectionResult.Timings {
        var t = InspectionResult.Timings()
        t.decode = 0.0625
        t.preprocess = 0.125
        t.encode = 0.25
        t.score = 0.5
        return t
    }

    static func path(_ key: String, _ station: String) -> String { "/cameras/\(station)/\(key).png" }

    static func hash(_ key: String) -> String { String(repeating: key, count: 64) }

    static func size(_ key: String) -> Int64 { 10_000 + Int64(key.unicodeScalars.first!.value) }

    private func discover(_ key: String, _ station: String, path: String? = nil, hash: String? = nil,
                          at time: Double) throws -> Int64 {
        let file = DiscoveredFile(station: station, path: path ?? Self.path(key, station), size: Self.size(key),
                                  mtime: time - 10, contentHash: hash ?? Self.hash(key))
        guard let id = try store.recordDiscovered(file, at: time) else { throw FixtureError("\(key) already present") }
        return id
    }

    private func finish(_ key: String, _ station: String, path: String? = nil, hash: String? = nil, at time: Double,
                        _ verdict: Verdict?, _ score: Double, map: EncodedMap? = nil) throws {
        let id = try discover(key, station, path: path, hash: hash, at: time - 2)
        guard try store.claimNext(at: time - 1)?.id == id else { throw FixtureError("\(key) not claimed next") }
        if let verdict {
            let stored = StoredVerdict(
                verdict: verdict, score: score, imageProbability: score, mapMaximum: score + 0.25,
                reviewThreshold: 0.5, failThreshold: 0.8, scoreMode: "cls", modelVersion: "clip-test-1",
                timings: Self.timings(), originalWidth: geometry.originalWidth, originalHeight: geometry.originalHeight,
                geometryJSON: geometryJSON, map: map)
            try store.complete(id: id, with: stored, at: time)
        } else {
            try store.fail(id: id, kind: "corrupt_image", message: "bad bytes", timings: nil, at: time)
        }
        ids[key] = id
    }

    /// Id of a row by key.
    func id(_ key: String) -> Int64 { ids[key]! }

    /// Keys of rows by id, for turning command output back into letters.
    func keys(_ ids: [Int64]) -> [String] {
        let byId = Dictionary(uniqueKeysWithValues: self.ids.map { ($0.value, $0.key) })
        return ids.map { byId[$0] ?? "?\($0)" }
    }

    static func testImage(width: Int, height: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = 3 * (y * width + x)
                pixels[i] = UInt8(x * 255 / max(width - 1, 1))
                pixels[i + 1] = UInt8(y * 255 / max(height - 1, 1))
                pixels[i + 2] = 96
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// A bright blob right of centre on a dark background.
    static func blobMap(size: Int) throws -> AnomalyMap {
        var values = [Float]()
        for y in 0..<size {
            for x in 0..<size {
                let dx = Float(x) - Float(size) * 0.65, dy = Float(y) - Float(size) * 0.5
                values.append(0.05 + 0.9 * exp(-(dx * dx + dy * dy) / 18))
            }
        }
        return try AnomalyMap(width: size, height: size, values: values)
    }

    /// Writes the daemon's status row.
    func setStatus(pid: Int32, heartbeatAge: Double, state: String = "running") throws {
        let now = Date().timeIntervalSince1970
        try store.updateStatus(DaemonStatus(pid: pid, startedAt: now - 3600, heartbeatAt: now - heartbeatAge, state: state,
                                            processed: 42, imagesPerMinute: 12.5,
                                            configPath: "/etc/inspectd/inspectd.toml", modelVersion: "clip-test-1"))
    }

    // MARK: running inspectctl

    struct Result: CustomStringConvertible {
        let status: Int32
        let stdout: String
        let stderr: String
        var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
        var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
    }

    /// The built `inspectctl` next to this test bundle.
    static var binary: URL {
        Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("inspectctl")
    }

    /// `inspectctl COMMAND --db <fixture db> ARGS...` with TZ=UTC, so local-time input and
    /// output are UTC.
    func ctl(_ command: String, _ arguments: [String] = [], db: String? = nil) throws -> Result {
        try Self.run([command, "--db", db ?? dbPath] + arguments, in: directory)
    }

    /// Runs inspectctl (or `launcher` with inspectctl as its last argument before `arguments`).
    /// Output goes to files, so a chatty stderr can never fill a pipe and deadlock the child.
    static func run(_ arguments: [String], in directory: URL, launcher: [String] = [],
                    environment extra: [String: String] = [:], removing: [String] = []) throws -> Result {
        let process = Process()
        if let first = launcher.first {
            process.executableURL = URL(fileURLWithPath: first)
            process.arguments = Array(launcher.dropFirst()) + [binary.path] + arguments
        } else {
            process.executableURL = binary
            process.arguments = arguments
        }
        var environment = ProcessInfo.processInfo.environment
        environment["TZ"] = "UTC"
        for key in removing { environment.removeValue(forKey: key) }
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let tag = UUID().uuidString
        let outURL = directory.appendingPathComponent(".out-\(tag)")
        let errURL = directory.appendingPathComponent(".err-\(tag)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    // MARK: parsing output

    static func jsonObject(_ text: some StringProtocol) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw FixtureError("not a JSON object: \(text)")
        }
        return object
    }

    static func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { try jsonObject($0) }
    }

    /// RFC 4180: records of fields; quoted fields may hold commas, quotes ("") and newlines.
    static func parseCSV(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                record.append(field)
                field = ""
            } else if c == "\n" {
                record.append(field)
                records.append(record)
                record = []
                field = ""
            } else {
                field.append(c)
            }
        }
        if !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        return records
    }
}
