import Foundation
import Glibc

/// A throwaway PostgreSQL cluster for tests: `initdb` into a temp folder, `pg_ctl start` on a
/// free loopback port (TCP on 127.0.0.1 only, its socket in the same folder), password
/// authentication (SCRAM) for the superuser `inspectd`, and `stop()`/`start()` to simulate an
/// outage. initdb refuses to run as root, so as root every server command runs as the
/// `postgres` system user through `runuser` (Debian's postgresql package creates it); the
/// folder is handed to that user. Removed (server stopped) on deinit.
///
/// `PostgresServer.make(test:)` returns nil after printing why when the binaries (or, as root,
/// the `postgres` user) are missing, so a test can skip with a message.
public final class PostgresServer: @unchecked Sendable {
    /// `INSPECTD_PG_BIN`, else the newest `/usr/lib/postgresql/N/bin` (Debian's layout).
    public static let binaries: String = {
        if let given = ProcessInfo.processInfo.environment["INSPECTD_PG_BIN"], !given.isEmpty { return given }
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .compactMap(Int.init).sorted()
        return "/usr/lib/postgresql/\(versions.last ?? 15)/bin"
    }()
    public let root: URL
    public let port: Int
    public let user = "inspectd"
    public let password: String
    public let database = "fleet"
    /// A file holding the password (mode 0600), for `password_file`.
    public let passwordFile: String
    private let runAs: String?
    private var running = false

    /// `postgres://inspectd@127.0.0.1:PORT/fleet?sslmode=disable&password_file=…`.
    public var url: String {
        "postgres://\(user)@127.0.0.1:\(port)/\(database)?sslmode=disable&password_file=\(passwordFile)"
    }

    /// The URL with the password in it (for the redaction tests).
    public var urlWithPassword: String {
        "postgres://\(user):\(password)@127.0.0.1:\(port)/\(database)?sslmode=disable"
    }

    /// A running server, or nil with a printed reason when PostgreSQL is not installed. With
    /// `tls`, the server has a self-signed certificate (made with openssl) and `ssl = on`.
    public static func make(test: String, tls: Bool = false) throws -> PostgresServer? {
        guard FileManager.default.isExecutableFile(atPath: "\(binaries)/initdb"),
              FileManager.default.isExecutableFile(atPath: "\(binaries)/pg_ctl") else {
            print("SKIPPED \(test): PostgreSQL server binaries not found in \(binaries) (apt-get install postgresql, or set INSPECTD_PG_BIN)")
            return nil
        }
        var runAs: String?
        if getuid() == 0 {
            guard getpwnam("postgres") != nil else {
                print("SKIPPED \(test): running as root and there is no 'postgres' user to run initdb as")
                return nil
            }
            runAs = "postgres"
        }
        let server = try PostgresServer(runAs: runAs)
        if tls { try server.enableTLS() }
        try server.start()
        return server
    }

    private init(runAs: String?) throws {
        self.runAs = runAs
        root = URL(fileURLWithPath: "/tmp").appendingPathComponent("inspectd-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        port = try Self.freePort()
        password = "pw-\(UUID().uuidString.prefix(12))"
        passwordFile = root.appendingPathComponent("pg.pass").path
        try Data((password + "\n").utf8).write(to: URL(fileURLWithPath: passwordFile))
        chmod(passwordFile, 0o600)
        if let runAs, let entry = getpwnam(runAs) {
            chown(root.path, entry.pointee.pw_uid, entry.pointee.pw_gid)
            chown(passwordFile, entry.pointee.pw_uid, entry.pointee.pw_gid)
        }
        try run("\(Self.binaries)/initdb", ["-D", dataDirectory, "-U", user, "--pwfile", passwordFile,
                                           "--auth", "scram-sha-256", "-E", "UTF8", "--no-sync", "--locale", "C"])
        // The password file must stay readable by the test process (root reads anything).
        let conf = """
            listen_addresses = '127.0.0.1'
            port = \(port)
            unix_socket_directories = '\(root.path)'
            fsync = off
            synchronous_commit = off
            full_page_writes = off
            """
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dataDirectory + "/postgresql.conf"))
        handle.seekToEndOfFile()
        handle.write(Data(("\n" + conf + "\n").utf8))
        try handle.close()
    }

    var dataDirectory: String { root.appendingPathComponent("data").path }

    /// A self-signed certificate for CN=127.0.0.1, valid one day, and `ssl = on`.
    func enableTLS() throws {
        let key = dataDirectory + "/server.key", certificate = dataDirectory + "/server.crt"
        try run("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                                    "-keyout", key, "-out", certificate])
        try run("/bin/chmod", ["600", key])
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dataDirectory + "/postgresql.conf"))
        handle.seekToEndOfFile()
        handle.write(Data("ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n".utf8))
        try handle.close()
    }

    /// Starts (or restarts) the server and waits until it accepts connections; creates the
    /// `fleet` database the first time.
    public func start() throws {
        try run("\(Self.binaries)/pg_ctl", ["-D", dataDirectory, "-l", root.appendingPathComponent("server.log").path,
                                           "-w", "-t", "60", "start"])
        let first = !running && !FileManager.default.fileExists(atPath: root.appendingPathComponent(".created").path)
        running = true
        if first {
            _ = try psql("CREATE DATABASE \(database)", database: "postgres")
            _ = FileManager.default.createFile(atPath: root.appendingPathComponent(".created").path, contents: nil)
        }
    }

    /// Stops the server (fast shutdown: open connections are closed).
    public func stop() throws {
        guard running else { return }
        try run("\(Self.binaries)/pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "stop"])
        running = false
    }

    /// Runs SQL with psql (tuples only, unaligned, `|`-separated) and returns its output.
    @discardableResult
    public func psql(_ sql: String, database: String? = nil) throws -> String {
        try run("\(Self.binaries)/psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                                         "-p", "\(port)", "-U", user, "-d", database ?? self.database, "-c", sql],
                environment: ["PGPASSWORD": password], asServerUser: false)
    }

    /// Runs a command (as the server user when root), returns its output; throws with it on
    /// a non-zero exit. posix_spawn with the output in a file and waitpid, not Foundation's
    /// Process with pipes: `pg_ctl start` leaves a daemon behind, and Process then never
    /// saw its child end.
    @discardableResult
    private func run(_ tool: String, _ arguments: [String], environment: [String: String] = [:],
                     asServerUser: Bool = true) throws -> String {
        var argv = [tool] + arguments
        // In the cluster's folder: the server user may not enter the test's working directory.
        argv = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", root.path] + argv
        if asServerUser, let runAs { argv = ["/usr/sbin/runuser", "-u", runAs, "--"] + argv }
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        env["LC_ALL"] = "C"
        let output = root.appendingPathComponent("command-\(UUID().uuidString.prefix(8)).out").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o666)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, cArguments, cEnvironment)
        guard rc == 0 else { throw PostgresServerError(description: "cannot start \(argv[0]): errno \(rc)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        unlink(output)
        guard status == 0 else {
            throw PostgresServerError(description: "\((tool as NSString).lastPathComponent) \(arguments.prefix(3).joined(separator: " ")) failed (status \(status)): \(text)")
        }
        return text
    }

    /// A port the kernel just handed out on 127.0.0.1 (bind to 0, read it, close).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PostgresServerError(description: "socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw PostgresServerError(description: "bind: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    deinit {
        try? stop()
        try? FileManager.default.removeItem(at: root)
    }
}

public struct PostgresServerError: Error, CustomStringConvertible {
    public let description: String
}
