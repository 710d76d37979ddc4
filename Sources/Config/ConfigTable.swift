import TOMLKit

/// One TOML table being read, with the key path that error messages need. Allowed keys are
/// declared up front so that a typo is reported as itself (`model.inputsize: unknown key`)
/// rather than as the missing key it was meant to be.
struct ConfigTable {
    let file: String
    /// Key path of this table: "" for the document, "model", "station[0]".
    let path: String
    let table: TOMLTable

    init(file: String, path: String, table: TOMLTable, allowedKeys: [String]) throws {
        self.file = file
        self.path = path
        self.table = table
        // Not `for (key, value) in table`: TOMLKit's iterator traps if a lookup fails.
        for key in table.keys where !allowedKeys.contains(key) {
            var problem = "unknown key"
            if let guess = Self.suggestion(for: key, among: allowedKeys) {
                problem += " (did you mean \(ConfigValueText.keySegment(guess))?)"
            } else {
                problem += "; allowed here: " + allowedKeys.map(ConfigValueText.keySegment).joined(separator: ", ")
            }
            throw error(key, problem)
        }
    }

    /// Full key path of `key` in this table, as used in error messages.
    func keyPath(_ key: String) -> String {
        let segment = ConfigValueText.keySegment(key)
        return path.isEmpty ? segment : path + "." + segment
    }

    /// An error about the value at `key`.
    func error(_ key: String, _ value: String, _ problem: String) -> ConfigError {
        .invalid(file: file, key: keyPath(key), value: value, problem: problem)
    }

    /// An error about the value at `key`, rendered from the document.
    func error(_ key: String, _ problem: String) -> ConfigError {
        error(key, table[key].map(ConfigValueText.render) ?? "nothing", problem)
    }

    func missing(_ key: String) -> ConfigError {
        error(key, "nothing", "required key is missing")
    }

    private func typeError(_ key: String, expected: String, _ value: TOMLValueConvertible) -> ConfigError {
        error(key, ConfigValueText.render(value),
              "expected \(expected), not \(ConfigValueText.typeName(value.type))")
    }

    // MARK: scalars

    func string(_ key: String) throws -> String? {
        guard let value = table[key] else { return nil }
        guard let s = value.string, value.type == .string else { throw typeError(key, expected: "a string", value) }
        return s
    }

    /// A string that is not empty or only blanks (product names feed prompts).
    func text(_ key: String) throws -> String? {
        guard let s = try string(key) else { return nil }
        guard !s.allSatisfy(\.isWhitespace) else { throw error(key, "must not be empty") }
        return s
    }

    func int(_ key: String) throws -> Int? {
        guard let value = table[key] else { return nil }
        guard let i = value.int, value.type == .int else { throw typeError(key, expected: "an integer", value) }
        return i
    }

    /// A finite number; integers are accepted because `sigma = 4` is what people write.
    func double(_ key: String) throws -> Double? {
        guard let value = table[key] else { return nil }
        let x: Double
        switch value.type {
        case .double: x = value.double ?? .nan
        case .int: x = Double(value.int ?? 0)
        default: throw typeError(key, expected: "a number", value)
        }
        guard x.isFinite else { throw error(key, "expected a finite number") }
        return x
    }

    func bool(_ key: String) throws -> Bool? {
        guard let value = table[key] else { return nil }
        guard let b = value.bool, value.type == .bool else { throw typeError(key, expected: "true or false", value) }
        return b
    }

    /// One of a fixed set of words, matched exactly.
    func choice<T>(_ key: String, _ options: [(String, T)]) throws -> T? {
        guard let value = table[key] else { return nil }
        if value.type == .string, let s = value.string, let hit = options.first(where: { $0.0 == s }) {
            return hit.1
        }
        throw error(key, ConfigValueText.render(value), "expected " + ConfigValueText.alternatives(options.map(\.0)))
    }

    /// An absolute path, cleaned. Relative paths are refused because the daemon's working
    /// directory is whatever systemd chose, not where the operator was standing.
    func absolutePath(_ key: String) throws -> String? {
        guard let s = try string(key) else { return nil }
        guard s.hasPrefix("/") else { throw error(key, "expected an absolute path (starting with /)") }
        guard !s.unicodeScalars.contains("\0") else { throw error(key, "paths cannot contain NUL characters") }
        return ConfigPath.clean(s)
    }

    // MARK: arrays

    /// The elements of an array with their key paths (`patterns[2]`).
    private func elements(_ key: String) throws -> [(path: String, value: TOMLValueConvertible)]? {
        guard let value = table[key] else { return nil }
        guard let array = value.array, value.type == .array else { throw typeError(key, expected: "an array", value) }
        return array.enumerated().map { (keyPath(key) + "[\($0.offset)]", $0.element) }
    }

    private func elementError(_ path: String, expected: String, _ value: TOMLValueConvertible) -> ConfigError {
        .invalid(file: file, key: path, value: ConfigValueText.render(value),
                problem: "expected \(expected), not \(ConfigValueText.typeName(value.type))")
    }

    func strings(_ key: String) throws -> [String]? {
        try elements(key)?.map { path, value in
            guard let s = value.string, value.type == .string else {
                throw elementError(path, expected: "a string", value)
            }
            return s
        }
    }

    func ints(_ key: String) throws -> [Int]? {
        try elements(key)?.map { path, value in
            guard let i = value.int, value.type == .int else {
                throw elementError(path, expected: "an integer", value)
            }
            return i
        }
    }

    /// An error about element `index` of the array at `key`.
    func elementError(_ key: String, _ index: Int, _ value: String, _ problem: String) -> ConfigError {
        .invalid(file: file, key: keyPath(key) + "[\(index)]", value: value, problem: problem)
    }

    // MARK: tables

    func table(_ key: String, allowedKeys: [String]) throws -> ConfigTable? {
        guard let value = table[key] else { return nil }
        guard let sub = value.table, value.type == .table else {
            throw typeError(key, expected: "a table ([\(keyPath(key))])", value)
        }
        return try ConfigTable(file: file, path: keyPath(key), table: sub, allowedKeys: allowedKeys)
    }

    /// An array of tables (`[[station]]`), each checked for unknown keys.
    func tables(_ key: String, allowedKeys: [String]) throws -> [ConfigTable]? {
        guard let value = table[key] else { return nil }
        guard let array = value.array, value.type == .array else {
            throw typeError(key, expected: "an array of tables ([[\(keyPath(key))]])", value)
        }
        return try array.enumerated().map { index, element in
            let path = keyPath(key) + "[\(index)]"
            guard let sub = element.table, element.type == .table else {
                throw elementError(path, expected: "a table", element)
            }
            return try ConfigTable(file: file, path: path, table: sub, allowedKeys: allowedKeys)
        }
    }

    // MARK: suggestions

    /// The allowed key a typo most likely meant: same letters ignoring case and `_`/`-`, or
    /// within two edits.
    static func suggestion(for key: String, among allowed: [String]) -> String? {
        func squash(_ s: String) -> [Character] { Array(s.lowercased().filter { $0 != "_" && $0 != "-" }) }
        let k = squash(key)
        if let same = allowed.first(where: { squash($0) == k }) { return same }
        let scored = allowed.map { ($0, editDistance(Array(key.lowercased()), Array($0))) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= 2, best.1 < key.count else { return nil }
        return best.0
    }

    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var current = [i + 1]
            for (j, cb) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
