#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension InspectdConfiguration {
    /// The output checks that need the disk: an exec program that runs, a socket folder that
    /// exists and is writable. A file output's folder may be missing at start (an unmounted
    /// share): that is a counted, retried failure at run time, not a configuration error.
    func checkOutputs() throws {
        for (i, station) in stations.enumerated() {
            for (j, output) in station.outputs.enumerated() {
                let key = "station[\(i)].output[\(j)]"
                switch output.kind {
                case .file: break
                case let .socket(s): try checkSocketPath(key + ".path", s.path)
                case let .exec(e): try checkProgram(key + ".command[0]", e.command.first ?? "")
                }
            }
        }
    }

    private func checkSocketPath(_ key: String, _ path: String) throws {
        let folder = ConfigPath.parent(of: path)
        guard FileProbe.kind(of: folder) == .directory else {
            throw outputError(key, path, "its folder \(folder) does not exist (systemd's RuntimeDirectory=inspectd makes /run/inspectd)")
        }
        if let reason = FileProbe.accessProblem(folder, W_OK | X_OK) {
            throw outputError(key, path, "its folder \(folder) is not writable: \(reason)")
        }
        switch FileProbe.kind(of: path) {
        case .missing, .other("a socket"): break
        case .regular: throw outputError(key, path, "is a regular file; only a stale socket is replaced")
        case .directory: throw outputError(key, path, "is a folder, expected a socket path")
        case let .other(what): throw outputError(key, path, "is \(what), expected a socket path")
        case let .unknown(reason): throw outputError(key, path, "cannot be examined: \(reason)")
        }
    }

    private func checkProgram(_ key: String, _ path: String) throws {
        switch FileProbe.kind(of: path) {
        case .regular:
            if let reason = FileProbe.accessProblem(path, X_OK) { throw outputError(key, path, "is not executable: \(reason)") }
        case .missing: throw outputError(key, path, "program does not exist")
        case .directory: throw outputError(key, path, "is a folder, expected a program")
        case let .other(what): throw outputError(key, path, "is \(what), expected a program")
        case let .unknown(reason): throw outputError(key, path, "cannot be examined: \(reason)")
        }
    }

    private func outputError(_ key: String, _ path: String, _ problem: String) -> ConfigError {
        .invalid(file: file, key: key, value: ConfigValueText.quote(path), problem: problem)
    }
}
