import Foundation
import Inspection
import Store

/// Sample rows and verdicts with every field distinct, so a swapped column shows up.
public enum StoreSamples {
    /// 2023-11-14 00:00:00 UTC, the start of a day (and so of an hour).
    public static let dayStart: Double = 1_699_920_000

    public static func file(_ n: Int, station: String = "line-1", path: String? = nil, hash: String? = nil) -> DiscoveredFile {
        DiscoveredFile(station: station, path: path ?? "/cameras/\(station)/img\(n).png", size: Int64(1000 + n),
                       mtime: dayStart - 100 + Double(n), contentHash: hash ?? String(repeating: "\(n % 10)", count: 64))
    }

    public static func timings(_ base: Double = 0.01) -> InspectionResult.Timings {
        var timings = InspectionResult.Timings()
        timings.decode = base
        timings.preprocess = base * 2
        timings.encode = base * 3
        timings.score = base * 4
        return timings
    }

    public static func map(seed: Int = 1) throws -> EncodedMap {
        let (w, h) = (13, 7)
        let values = (0..<(w * h)).map { Float(($0 * 37 + seed * 11) % 101) / 100 }
        return try EncodedMap(try AnomalyMap(width: w, height: h, values: values))
    }

    public static func verdict(_ verdict: Verdict = .pass, score: Double = 0.12, map: EncodedMap? = nil) -> StoredVerdict {
        StoredVerdict(verdict: verdict, score: score, imageProbability: score + 0.01, mapMaximum: score + 0.02,
                      reviewThreshold: 0.5, failThreshold: 0.8, scoreMode: "image_probability",
                      modelVersion: "anomalyclip-test-1", timings: timings(), originalWidth: 640, originalHeight: 480,
                      geometryJSON: #"{"scale":0.5}"#, map: map)
    }
}
