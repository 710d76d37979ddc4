import Foundation
import Inspection
import Store

/// A fresh directory per test, removed when the test drops it; real SQLite files live here.
public final class StoreScratch: @unchecked Sendable {
    public let directory: URL

    public init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("inspectd-store-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    /// A path inside the directory.
    public func path(_ name: String = "verdicts.sqlite") -> String {
        directory.appendingPathComponent(name).path
    }
}
