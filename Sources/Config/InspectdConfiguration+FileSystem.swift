#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension InspectdConfiguration {
    /// Verifies what `parse` cannot: the model files are readable, station folders are
    /// listable (and writable where files are moved or deleted), the database and `move_to`
    /// folders exist or can be created, and no symlink makes two stations' folders overlap.
    /// Creates nothing, so it is safe for `inspectctl check-config`.
    /// - Throws: `ConfigError.invalid` naming the key and the path.
    public func checkFileSystem() throws {
        try checkReadableFile("model.path", model.path)
        if let path = model.configPath { try checkReadableFile("model.config", path) }
        if let path = model.promptsPath { try checkReadableFile("model.prompts", path) }
        try checkDatabase()
        for (i, station) in stations.enumerated() {
            try checkWatchedFolder("station[\(i)].folder", station)
            if case let .move(target) = station.after {
                if let problem = Self.creatableFolderProblem(target) {
                    throw fileSystemError("station[\(i)].move_to", target, problem)
                }
            }
        }
        try checkOutputs()
        try StationOverlap.check(stations, file: file, resolve: FileProbe.resolved,
                                 note: " (after resolving symlinks)")
    }

    private func fileSystemError(_ key: String, _ path: String, _ problem: String) -> ConfigError {
        .invalid(file: file, key: key, value: ConfigValueText.quote(path), problem: problem)
    }

    private func checkReadableFile(_ key: String, _ path: String) throws {
        let problem: String?
        switch FileProbe.kind(of: path) {
        case .regular: problem = FileProbe.openProblem(path).map { "cannot be read: \($0)" }
        case .missing: problem = "file does not exist"
        case .directory: problem = "is a folder, expected a file"
        case let .other(what): problem = "is \(what), expected a regular file"
        case let .unknown(reason): problem = "cannot be examined: \(reason)"
        }
        if let problem { throw fileSystemError(key, path, problem) }
    }

    /// SQLite needs the file read-write and its folder writable (journal and WAL files).
    private func checkDatabase() throws {
        switch FileProbe.kind(of: database) {
        case .missing: break
        case .regular:
            if let reason = FileProbe.accessProblem(database, R_OK | W_OK) {
                throw fileSystemError("database", database, "cannot be opened for writing: \(reason)")
            }
        case .directory: throw fileSystemError("database", database, "is a folder, expected a database file")
        case let .other(what): throw fileSystemError("database", database, "is \(what), expected a database file")
        case let .unknown(reason): throw fileSystemError("database", database, "cannot be examined: \(reason)")
        }
        if let problem = Self.creatableFolderProblem(ConfigPath.parent(of: database)) {
            throw fileSystemError("database", database, "its folder " + problem)
        }
    }

    private func checkWatchedFolder(_ key: String, _ station: StationConfiguration) throws {
        let folder = station.folder
        switch FileProbe.kind(of: folder) {
        case .directory:
            if let reason = FileProbe.accessProblem(folder, R_OK | X_OK) {
                throw fileSystemError(key, folder, "cannot be listed: \(reason)")
            }
            let verb: String
            switch station.after {
            case .keep: return
            case .move: verb = "move"
            case .delete: verb = "delete"
            }
            if let reason = FileProbe.accessProblem(folder, W_OK | X_OK) {
                throw fileSystemError(key, folder, "is not writable, but after = \"\(verb)\" removes files from it: \(reason)")
            }
        case .missing: throw fileSystemError(key, folder, "folder does not exist")
        case .regular: throw fileSystemError(key, folder, "is a file, expected a folder")
        case let .other(what): throw fileSystemError(key, folder, "is \(what), expected a folder")
        case let .unknown(reason): throw fileSystemError(key, folder, "cannot be examined: \(reason)")
        }
    }

    /// nil when `path` is a writable folder or could be created as one, else why not.
    static func creatableFolderProblem(_ path: String) -> String? {
        switch FileProbe.kind(of: path) {
        case .directory:
            return FileProbe.accessProblem(path, W_OK | X_OK).map { "is not writable: \($0)" }
        case .missing:
            let ancestor = FileProbe.nearestExisting(path)
            guard FileProbe.kind(of: ancestor) == .directory else {
                return "does not exist and cannot be created: \(ancestor) is not a folder"
            }
            return FileProbe.accessProblem(ancestor, W_OK | X_OK).map {
                "does not exist and cannot be created in \(ancestor): \($0)"
            }
        case .regular: return "is a file, expected a folder"
        case let .other(what): return "is \(what), expected a folder"
        case let .unknown(reason): return "cannot be examined: \(reason)"
        }
    }
}
