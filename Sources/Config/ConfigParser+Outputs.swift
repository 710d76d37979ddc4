import Foundation
import Inspection

extension ConfigParser {
    static let outputKeys = ["kind", "name", "verdicts", "folder", "keep_count", "keep_age", "retry_interval",
                             "path", "client_buffer", "max_clients", "command", "timeout", "concurrency", "queue"]
    /// Keys each kind accepts beyond the common ones, for "only for kind" messages.
    static let outputKindKeys: [String: [String]] = [
        "file": ["folder", "keep_count", "keep_age", "retry_interval"],
        "socket": ["path", "client_buffer", "max_clients"],
        "exec": ["command", "timeout", "concurrency", "queue"],
    ]

    /// `[[station.output]]` of one station (none when absent).
    static func outputList(_ station: ConfigTable) throws -> [OutputConfiguration] {
        guard let tables = try station.tables("output", allowedKeys: outputKeys) else { return [] }
        var outputs = [OutputConfiguration]()
        for t in tables {
            let output = try self.output(t)
            if let other = outputs.firstIndex(where: { $0.name == output.name }) {
                throw t.error("name", ConfigValueText.quote(output.name),
                              "duplicate of \(station.keyPath("output"))[\(other)] (set a distinct name)")
            }
            outputs.append(output)
        }
        return outputs
    }

    private static func output(_ t: ConfigTable) throws -> OutputConfiguration {
        guard let kindName = try t.choice("kind", [("file", "file"), ("socket", "socket"), ("exec", "exec")]) else {
            throw t.missing("kind")
        }
        for (other, keys) in outputKindKeys where other != kindName {
            for key in keys where t.table[key] != nil && !(outputKindKeys[kindName] ?? []).contains(key) {
                throw t.error(key, "only allowed when kind = \"\(other)\" (kind is \"\(kindName)\")")
            }
        }
        let kind: OutputConfiguration.Kind
        switch kindName {
        case "file": kind = .file(try fileOutput(t))
        case "socket": kind = .socket(try socketOutput(t))
        default: kind = .exec(try execOutput(t))
        }
        var verdicts = [Verdict]()
        if let words = try t.strings("verdicts") {
            guard !words.isEmpty else { throw t.error("verdicts", "must list at least one verdict (omit the key for all)") }
            for (i, word) in words.enumerated() {
                guard let v = Verdict(rawValue: word) else {
                    throw t.elementError("verdicts", i, ConfigValueText.quote(word), "expected \"pass\", \"review\" or \"fail\"")
                }
                verdicts.append(v)
            }
        }
        let name = try t.text("name")
        if let name, !isValidName(name) {
            throw t.error("name", "expected letters, digits, '.', '_' or '-'")
        }
        return OutputConfiguration(kind: kind, name: name, verdicts: verdicts)
    }

    private static func fileOutput(_ t: ConfigTable) throws -> FileOutputSettings {
        guard let folder = try t.absolutePath("folder") else { throw t.missing("folder") }
        var s = FileOutputSettings(folder: folder)
        if let n = try t.int("keep_count") {
            guard n >= 1 else { throw t.error("keep_count", "must be at least 1 (omit the key to keep every file)") }
            s.keepCount = n
        }
        if let age = try duration(t, "keep_age") {
            guard age > 0 else { throw t.error("keep_age", "must be greater than 0 (omit the key to keep every file)") }
            s.keepAge = age
        }
        if let retry = try duration(t, "retry_interval") {
            guard retry >= 0.1 && retry <= 3600 else { throw t.error("retry_interval", "must be between 0.1 s and 1 h") }
            s.retryInterval = retry
        }
        return s
    }

    private static func socketOutput(_ t: ConfigTable) throws -> SocketOutputSettings {
        guard let path = try t.absolutePath("path") else { throw t.missing("path") }
        // sun_path holds 108 bytes including the NUL.
        guard path.utf8.count <= 107 else { throw t.error("path", "is longer than the 107 bytes a Unix socket path may have") }
        var s = SocketOutputSettings(path: path)
        if let n = try t.int("client_buffer") {
            guard (4096...(64 << 20)).contains(n) else { throw t.error("client_buffer", "must be between 4096 and 67108864 bytes") }
            s.clientBuffer = n
        }
        if let n = try t.int("max_clients") {
            guard (1...1024).contains(n) else { throw t.error("max_clients", "must be between 1 and 1024") }
            s.maxClients = n
        }
        return s
    }

    private static func execOutput(_ t: ConfigTable) throws -> ExecOutputSettings {
        guard let command = try t.strings("command") else { throw t.missing("command") }
        guard let program = command.first else { throw t.error("command", "must name a program: [\"/path/to/program\", \"arg\", …]") }
        guard program.hasPrefix("/") else {
            throw t.elementError("command", 0, ConfigValueText.quote(program),
                                 "expected an absolute path (no shell or PATH lookup is involved)")
        }
        for (i, arg) in command.enumerated() where arg.unicodeScalars.contains("\0") {
            throw t.elementError("command", i, ConfigValueText.quote(arg), "arguments cannot contain NUL characters")
        }
        var s = ExecOutputSettings(command: command)
        if let timeout = try duration(t, "timeout") {
            guard timeout >= 0.1 && timeout <= 3600 else { throw t.error("timeout", "must be between 0.1 s and 1 h") }
            s.timeout = timeout
        }
        if let n = try t.int("concurrency") {
            guard (1...64).contains(n) else { throw t.error("concurrency", "must be between 1 and 64") }
            s.concurrency = n
        }
        if let n = try t.int("queue") {
            guard (1...100_000).contains(n) else { throw t.error("queue", "must be between 1 and 100000") }
            s.queue = n
        }
        return s
    }

    /// Seconds: a number, or a string with a unit (`"500ms"`, `"30s"`, `"15m"`, `"12h"`, `"7d"`).
    static func duration(_ t: ConfigTable, _ key: String) throws -> Double? {
        guard let value = t.table[key] else { return nil }
        if value.type == .string, let text = value.string {
            guard let seconds = parseDuration(text) else {
                throw t.error(key, "expected seconds or a duration such as \"500ms\", \"30s\", \"15m\", \"12h\" or \"7d\"")
            }
            return seconds
        }
        return try t.double(key)
    }

    /// `parseDuration("12h") == 43200`; nil for anything else than a number and one unit.
    static func parseDuration(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            // "5ms" also ends in "s"; the longer unit is tried first and a leftover "m" fails Double().
            if let x = Double(number), x.isFinite, x >= 0 { return x * factor }
        }
        return nil
    }
}

extension ConfigParser {
    /// A socket path serves one output only: two binds of the same file would steal each
    /// other's clients.
    static func checkSocketPaths(_ stations: [StationConfiguration], file: String) throws {
        var seen = [String: String]()
        for (i, station) in stations.enumerated() {
            for (j, output) in station.outputs.enumerated() {
                guard case let .socket(s) = output.kind else { continue }
                let key = "station[\(i)].output[\(j)].path"
                if let first = seen[s.path] {
                    throw ConfigError.invalid(file: file, key: key, value: ConfigValueText.quote(s.path),
                                              problem: "already used by \(first)")
                }
                seen[s.path] = key
            }
        }
    }
}
