import Foundation

/// The web station's users: one `name:scrypt$…` line each, `#` comments. Root owns the
/// file (0640, group inspectd so the web service can read it and nobody else); people are
/// added with `inspectctl web adduser`, never through the web.
public struct UsersFile: Sendable, Equatable {
    public var path: String
    /// In file order.
    public private(set) var entries: [(name: String, hash: PasswordHash)]

    public init(path: String, users: [(name: String, hash: PasswordHash)] = []) {
        self.path = path
        self.entries = users
    }

    public static func == (a: UsersFile, b: UsersFile) -> Bool {
        a.path == b.path && a.entries.map(\.name) == b.entries.map(\.name) && a.entries.map(\.hash) == b.entries.map(\.hash)
    }

    /// A bad users file, naming the file and line.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Names become label authors, so the CLI's author rules apply: no spaces or colons.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || "._-@".unicodeScalars.contains($0)
        }
    }

    /// Reads `path`; a missing file is an empty list (nobody can sign in yet).
    public static func load(path: String) throws -> UsersFile {
        guard FileManager.default.fileExists(atPath: path) else { return UsersFile(path: path) }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw Problem(description: "\(path): cannot read the users file (permissions? it should be root:inspectd 0640)")
        }
        var users: [(name: String, hash: PasswordHash)] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw Problem(description: "\(path):\(index + 1): expected name:scrypt$… (got no ':')")
            }
            let name = String(line[..<colon])
            guard isValidName(name) else {
                throw Problem(description: "\(path):\(index + 1): user name '\(name)' may only use letters, digits, '.', '_', '-' and '@'")
            }
            guard let hash = PasswordHash(encoded: String(line[line.index(after: colon)...])) else {
                throw Problem(description: "\(path):\(index + 1): the password hash of '\(name)' is not a scrypt$… entry")
            }
            users.append((name, hash))
        }
        return UsersFile(path: path, users: users)
    }

    /// The user's hash, if the user exists.
    public func hash(of name: String) -> PasswordHash? {
        entries.first { $0.name == name }?.hash
    }

    /// Adds or replaces `name`.
    public mutating func set(name: String, hash: PasswordHash) {
        if let index = entries.firstIndex(where: { $0.name == name }) {
            entries[index].hash = hash
        } else {
            entries.append((name, hash))
        }
    }

    /// Writes the file atomically (temp file + rename) with mode 0640, so a crash never
    /// leaves half a users file and the hashes are never world-readable, even briefly.
    public func save() throws {
        var text = "# inspectd-web users: name:scrypt$logN$r$p$salt$hash. Managed by `inspectctl web adduser`.\n"
        for entry in entries { text += "\(entry.name):\(entry.hash.encoded)\n" }
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw Problem(description: "\(path): cannot write \(temporary): \(String(cString: strerror(errno)))")
        }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == bytes.count, synced == 0, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw Problem(description: "\(path): cannot write the users file: \(reason)")
        }
    }
}
