import Config
@testable import Daemon
import Foundation
import Inspection
import Logging
import Store
import TestSupport

/// Polls `condition` every 10 ms until it holds or `timeout` seconds pass.
func eventually(timeout: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

/// A real store in a scratch folder with finished rows, and verdict documents for outputs.
final class OutputFixture {
    let scratch: StoreScratch
    let store: VerdictStore
    let logger = OutputFixture.quiet
    static let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    private var n = 0

    init() throws {
        scratch = try StoreScratch()
        store = try VerdictStore.openForWriting(path: scratch.path("inspectd.db"))
    }

    /// A folder inside the scratch directory (created unless `create` is false).
    func folder(_ name: String, create: Bool = true) throws -> String {
        let url = scratch.directory.appendingPathComponent(name)
        if create { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        return url.path
    }

    /// A done row for `station` (or an error row when `verdict` is nil); returns its id.
    @discardableResult
    func finish(_ verdict: Verdict?, station: String = "line1", name: String? = nil) throws -> Int64 {
        n += 1
        let file = StoreSamples.file(n, station: station, path: "/cameras/\(station)/\(name ?? "img\(n).png")",
                                     hash: String(format: "%064d", n))
        return try store.addFinished(file, at: StoreSamples.dayStart + Double(n), verdict: verdict, score: 0.3)
    }

    /// The output document of row `id`.
    func verdict(_ id: Int64) throws -> OutputVerdict {
        guard let v = OutputVerdict(try store.record(id: id), database: store.path) else {
            throw HarnessError("row \(id) has no verdict")
        }
        return v
    }

    /// A synthetic verdict with a JSON body of about `size` bytes (socket tests).
    static func synthetic(_ id: Int64, size: Int = 200, station: String = "line1") -> OutputVerdict {
        let pad = String(repeating: "x", count: max(size - 60, 0))
        return OutputVerdict(id: id, station: station, verdict: .fail, path: "/cam/\(id).png",
                             json: #"{"id":\#(id),"station":"\#(station)","verdict":"fail","pad":"\#(pad)"}"#)
    }
}

/// A value handed back from a test thread.
final class ThreadResult<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
