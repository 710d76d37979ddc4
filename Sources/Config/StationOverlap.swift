/// The rules that keep one image from being scored twice: no folder watched by two stations,
/// and no `move_to` target where a watcher would discover the moved file again. Run on the
/// written paths by `parse` and on symlink-resolved paths by `checkFileSystem`.
enum StationOverlap {
    /// Throws for the first conflict, blaming the later station. `resolve` maps a cleaned path
    /// to the path the kernel would use; `note` explains the resolution in messages.
    static func check(_ stations: [StationConfiguration], file: String,
                      resolve: (String) -> String = { $0 }, note: String = "") throws {
        let folders = stations.map { resolve($0.folder) }
        func moveTarget(_ s: StationConfiguration) -> String? {
            if case let .move(target) = s.after { return resolve(target) }
            return nil
        }
        func fail(_ j: Int, _ key: String, _ value: String, _ problem: String) -> ConfigError {
            .invalid(file: file, key: "station[\(j)].\(key)", value: ConfigValueText.quote(value), problem: problem + note)
        }

        for j in stations.indices {
            for i in 0..<j {
                let (outer, inner) = (folders[i], folders[j])
                let other = "station[\(i)] (\(stations[i].name))"
                if inner == outer {
                    throw fail(j, "folder", stations[j].folder, "same folder as \(other)")
                }
                if stations[i].recursive, ConfigPath.isStrictlyInside(inner, outer) {
                    throw fail(j, "folder", stations[j].folder,
                               "is inside \(stations[i].folder), the recursive folder of \(other)")
                }
                if stations[j].recursive, ConfigPath.isStrictlyInside(outer, inner) {
                    throw fail(j, "folder", stations[j].folder,
                               "is recursive and contains \(stations[i].folder), the folder of \(other)")
                }
            }
        }

        for j in stations.indices {
            guard let target = moveTarget(stations[j]), case let .move(written) = stations[j].after else { continue }
            for k in stations.indices where ConfigPath.isSameOrInside(target, folders[k]) {
                let whose = k == j ? "this station's own folder" : "the folder of station[\(k)] (\(stations[k].name))"
                throw fail(j, "move_to", written,
                           "must not be inside a watched folder, or moved files are scored again; this is inside \(stations[k].folder), \(whose)")
            }
        }
    }
}
