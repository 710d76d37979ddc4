import Foundation
import Inspection

/// The support and query folders of `inspectctl classify`: support is one subfolder per class
/// (image files anywhere below it), query is every visible file below its folder. Query files
/// are not filtered by extension, so a stray non-image becomes an error row the integrator sees
/// rather than a file that silently went missing from the CSV.
struct ClassificationFolders {
    /// Class name (the subfolder's name) and its support files, in name order.
    let support: [(className: String, files: [String])]
    /// Every visible regular file below the query folder, sorted by path.
    let query: [String]

    /// Extensions a support file needs; anything else in a class folder is reported and skipped.
    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]

    /// Reads both folder trees (no image is opened here).
    static func scan(support supportDirectory: String, query queryDirectory: String) throws -> ClassificationFolders {
        let supportRoot = URL(fileURLWithPath: supportDirectory).standardizedFileURL
        let names = try FileManager.default.contentsOfDirectory(atPath: supportRoot.path)
            .filter { !$0.hasPrefix(".") && isDirectory(supportRoot.appendingPathComponent($0)) }.sorted()
        let support = try names.map { name in
            (className: name, files: try files(under: supportRoot.appendingPathComponent(name)))
        }
        let query = try files(under: URL(fileURLWithPath: queryDirectory).standardizedFileURL)
        return ClassificationFolders(support: support, query: query)
    }

    /// True when `path` names a folder (following symbolic links).
    static func isDirectory(_ url: URL) -> Bool {
        var flag: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &flag) && flag.boolValue
    }

    /// Visible non-folder entries below `root`, recursively, sorted by path. Hidden files and
    /// folders (names starting with ".") are skipped, as the daemon's discovery does.
    static func files(under root: URL) throws -> [String] {
        guard let enumerator = FileManager.default.enumerator(
            at: root, includingPropertiesForKeys: [.isDirectoryKey], options: [.skipsHiddenFiles]) else {
            throw InspectionError.unreadableFile(path: root.path, reason: "cannot list the folder")
        }
        var out = [String]()
        for case let url as URL in enumerator where !isDirectory(url) {
            out.append(url.standardizedFileURL.path)
        }
        return out.sorted()
    }
}
