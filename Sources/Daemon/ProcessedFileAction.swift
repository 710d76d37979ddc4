import Foundation
import Config
import Inspection
import Store

/// Applies a station's `after` policy once a file's outcome is committed: keep it, move it
/// (keeping its path below the station folder; never overwriting), or delete it. Files that
/// could not be inspected are never deleted — they are kept (or moved) as evidence.
struct ProcessedFileAction {
    let station: StationConfiguration

    /// Performs the action; returns a description for the log, or throws on failure.
    func apply(path: String, state: InspectionState) throws -> String? {
        switch station.after {
        case .keep:
            return nil
        case .delete:
            guard state == .done else { return nil }
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            try FileManager.default.removeItem(atPath: path)
            return "deleted"
        case let .move(folder):
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            let target = destination(for: path, in: folder)
            try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try FileManager.default.moveItem(atPath: path, toPath: target)
            return "moved to \(target)"
        }
    }

    /// `folder/<path relative to the station folder>`, with `-1`, `-2`… before the extension if
    /// that name is taken.
    func destination(for path: String, in folder: String) -> String {
        let root = station.folder.hasSuffix("/") ? station.folder : station.folder + "/"
        let relative = path.hasPrefix(root) ? String(path.dropFirst(root.count)) : (path as NSString).lastPathComponent
        let base = (folder as NSString).appendingPathComponent(relative)
        guard FileManager.default.fileExists(atPath: base) else { return base }
        let ext = (base as NSString).pathExtension
        let stem = (base as NSString).deletingPathExtension
        var n = 1
        while true {
            let candidate = ext.isEmpty ? "\(stem)-\(n)" : "\(stem)-\(n).\(ext)"
            if !FileManager.default.fileExists(atPath: candidate) { return candidate }
            n += 1
        }
    }
}
