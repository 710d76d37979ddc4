import Foundation
import Inspection

/// A fresh directory per test, removed when the test drops it; real SQLite files live here.
final class StoreScratch: @unchecked Sendable {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("inspectd-store-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    /// A path inside the directory.
    func path(_ name: String = "verdicts.sqlite") -> String {
        directory.appendingPathComponent(name).path
    }
}

/// Sample rows and verdicts with every field distinct, so a swapped column shows up.
enum StoreSamples {
    /// 2023-11-14 00:00:00 UTC, the start of a day (and so of an hour).
    static let dayStart: Double = 1_699_920_000

    static func file(_ n: Int, station: String = "line-1", path: String? = nil, hash: String? = nil) -> DiscoveredFile {
        DiscoveredFile(station: station, path: path ?? "/cameras/\(station)/img\(n).png", size: Int64(1000 + n),
                       mtime: dayStart - 100 + Double(n), contentHash: hash ?? String(repeating: "\(n % 10)", count: 64))
    }

    static func timings(_ base: Double = 0.01) -> InspectionResult.Timings {
        var timings = InspectionResult.Timings()
        timings.decode = base
        timings.preprocess = base * 2
        timings.encode = base * 3
        timings.score = base * 4
        return timings
    }

    static func map(seed: Int = 1) throws -> EncodedMap {
        let (w, h) = (13, 7)
        let values = (0..<(w * h)).map { Float(($0 * 37 + seed * 11) % 101) / 100 }
        return try EncodedMap(try AnomalyMap(width: w, height: h, values: values))
    }

    static func verdict(_ verdict: Verdict = .pass, score: Double = 0.12, map: EncodedMap? = nil) -> StoredVerdict {
        StoredVerdict(verdict: verdict, score: score, imageProbability: score + 0.01, mapMaximum: score + 0.02,
                      reviewThreshold: 0.5, failThreshold: 0.8, scoreMode: "image_probability",
                      modelVersion: "anomalyclip-test-1", timings: timings(), originalWidth: 640, originalHeight: 480,
                      geometryJSON: #"{"scale":0.5}"#, map: map)
    }
}

extension VerdictStore {
    /// Discovers, claims and completes (or fails) one image, as the daemon would.
    @discardableResult
    func addFinished(_ file: DiscoveredFile, at time: Double, verdict: Verdict?, score: Double = 0.1,
                     map: EncodedMap? = nil) throws -> Int64 {
        guard let id = try recordDiscovered(file, at: time - 1) else {
            throw InspectionError.database(path: path, reason: "sample \(file.path) already present")
        }
        guard let claimed = try claimNext(at: time - 0.5), claimed.id == id else {
            throw InspectionError.database(path: path, reason: "sample \(file.path) not claimed next")
        }
        if let verdict {
            try complete(id: id, with: StoreSamples.verdict(verdict, score: score, map: map), at: time)
        } else {
            try fail(id: id, kind: "corrupt_image", message: "bad bytes", timings: nil, at: time)
        }
        return id
    }
}
