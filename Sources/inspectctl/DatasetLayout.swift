import Foundation
import Inspection
import Store

/// The images of a labelled dataset folder and what their folders say about them.
///
/// Two MVTec-style layouts are recognised:
/// - class folders: `DIR/good/*`, `DIR/<defect>/*`, masks in `DIR/ground_truth/<defect>/`;
/// - an MVTec AD category root: `DIR/train/good/*` (all good), `DIR/test/<class>/*`, masks in
///   `DIR/ground_truth/<class>/`.
/// A mask is `<stem>_mask.png` (MVTec's naming) or, failing that, `<stem>.png`. Folder names
/// are taken as given; one that is not a valid class name makes its files fail at import,
/// where each one is reported, rather than silently disappearing here.
struct DatasetLayout {
    /// One image to label.
    struct Item {
        let path: String
        let kind: LabelKind
        let defectClass: String?
        let maskPath: String?
    }

    /// "class folders" or "MVTec category root", for the summary.
    let name: String
    /// Sorted by folder then file name, so repeated imports run in the same order.
    let items: [Item]
    /// Files in image folders that are not .png/.jpg/.jpeg (readme files, thumbnails).
    let ignoredFiles: [String]
    /// Masks under ground_truth that no image claimed: usually a renamed image.
    let unusedMasks: [String]

    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]
    static let masksFolder = "ground_truth"

    /// Reads the folder structure (no image is opened here).
    static func scan(_ directory: String) throws -> DatasetLayout {
        let root = URL(fileURLWithPath: directory).standardizedFileURL
        guard isDirectory(root) else {
            throw InspectionError.invalidLabel(item: root.path, reason: "not a directory")
        }
        let masks = root.appendingPathComponent(masksFolder)
        var sources: [(folder: URL, className: String)] = []
        let name: String
        if isDirectory(root.appendingPathComponent("train")) || isDirectory(root.appendingPathComponent("test")) {
            name = "MVTec category root"
            let trainGood = root.appendingPathComponent("train/good")
            if isDirectory(trainGood) { sources.append((trainGood, "good")) }
            let test = root.appendingPathComponent("test")
            for folder in try subfolders(of: test) { sources.append((folder, folder.lastPathComponent)) }
        } else {
            name = "class folders"
            for folder in try subfolders(of: root) where folder.lastPathComponent != masksFolder {
                sources.append((folder, folder.lastPathComponent))
            }
        }

        var items: [Item] = []
        var ignored: [String] = []
        var usedMasks = Set<String>()
        for (folder, className) in sources {
            let isGood = className == "good"
            for file in try files(in: folder) {
                guard imageExtensions.contains(file.pathExtension.lowercased()) else {
                    ignored.append(file.path)
                    continue
                }
                var maskPath: String?
                if !isGood {
                    let stem = file.deletingPathExtension().lastPathComponent
                    let classMasks = masks.appendingPathComponent(className)
                    maskPath = ["\(stem)_mask.png", "\(stem).png"]
                        .map { classMasks.appendingPathComponent($0).path }
                        .first { FileManager.default.fileExists(atPath: $0) }
                }
                if let maskPath { usedMasks.insert(maskPath) }
                items.append(Item(path: file.path, kind: isGood ? .good : .defect,
                                  defectClass: isGood ? nil : className, maskPath: maskPath))
            }
        }
        var unused: [String] = []
        for folder in try subfolders(of: masks) {
            unused += try files(in: folder).map(\.path).filter { !usedMasks.contains($0) }
        }
        return DatasetLayout(name: name, items: items, ignoredFiles: ignored, unusedMasks: unused)
    }

    private static func isDirectory(_ url: URL) -> Bool {
        var flag: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &flag) && flag.boolValue
    }

    /// Visible subfolders, sorted; none when `url` is not a folder.
    private static func subfolders(of url: URL) throws -> [URL] {
        guard isDirectory(url) else { return [] }
        return try entries(of: url).filter(isDirectory)
    }

    /// Visible non-folder entries, sorted. Special files are kept: the import reports them
    /// (the decoder refuses FIFOs and devices) instead of skipping them unseen.
    private static func files(in url: URL) throws -> [URL] {
        try entries(of: url).filter { !isDirectory($0) }
    }

    private static func entries(of url: URL) throws -> [URL] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: url.path)
        } catch {
            throw InspectionError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        return names.filter { !$0.hasPrefix(".") }.sorted().map { url.appendingPathComponent($0) }
    }
}
