import Foundation
import Inspection
import Store

extension VerdictStore {
    /// Discovers, claims and completes (or fails) one image, as the daemon would.
    @discardableResult
    public func addFinished(_ file: DiscoveredFile, at time: Double, verdict: Verdict?, score: Double = 0.1,
                     map: EncodedMap? = nil) throws -> Int64 {
        guard let id = try recordDiscovered(file, at: time - 1) else {
            throw StoreError.other(path: path, reason: "sample \(file.path) already present")
        }
        guard let claimed = try claimNext(at: time - 0.5), claimed.id == id else {
            throw StoreError.other(path: path, reason: "sample \(file.path) not claimed next")
        }
        if let verdict {
            try complete(id: id, with: StoreSamples.verdict(verdict, score: score, map: map), at: time)
        } else {
            try fail(id: id, kind: "corrupt_image", message: "bad bytes", timings: nil, at: time)
        }
        return id
    }
}
