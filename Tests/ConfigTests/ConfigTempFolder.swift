import Foundation

/// A fresh folder under the system temp directory, removed when the value goes away, so the
/// file-system tests can run in parallel without seeing each other's files.
final class ConfigTempFolder {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.path
        path = base + "/inspectd-config-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes `text` to `name` (relative to the folder) and returns the full path.
    @discardableResult
    func write(_ text: String, to name: String) throws -> String {
        let full = path + "/" + name
        try text.write(toFile: full, atomically: false, encoding: .utf8)
        return full
    }

    /// Creates the folder `name` (and its parents) and returns the full path.
    @discardableResult
    func makeFolder(_ name: String) throws -> String {
        let full = path + "/" + name
        try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
        return full
    }
}
