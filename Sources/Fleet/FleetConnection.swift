import Config
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// One blocking connection to the fleet database, for a caller on its own thread (the
/// shipper's, or `inspectctl`'s main thread): every call waits on a future of PostgresNIO's
/// event loop, never on the daemon's loop. Not for use from async code.
public final class FleetConnection {
    public let url: FleetURL
    private let connection: PostgresConnection
    private let password: String?
    /// PostgresNIO logs only errors; it never sees a password in its metadata.
    private let logger: Logger

    /// Connects (the password file, if any, is read now). Errors are ``FleetError``s.
    public init(url: FleetURL, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                connectTimeout: Double = 10, id: Int = 1) throws(FleetError) {
        self.url = url
        var logger = Logger(label: "inspectd.fleet.postgres")
        logger.logLevel = .critical
        self.logger = logger
        let password: String?
        do {
            password = try url.resolvedPassword()
        } catch {
            throw FleetError(url: url.redacted, action: "reading the password", reason: error.problem)
        }
        self.password = password
        do {
            var configuration = PostgresConnection.Configuration(
                host: url.host, port: url.port, username: url.user, password: password, database: url.database,
                tls: try Self.tls(url.tls))
            configuration.options.connectTimeout = .milliseconds(Int64(connectTimeout * 1000))
            let pending = PostgresConnection.connect(on: group.next(), configuration: configuration, id: id, logger: logger)
            // The TCP connect has its own timeout; this one also covers TLS and authentication.
            guard let connected = try Self.wait(pending, seconds: connectTimeout + 10) else {
                pending.whenSuccess { $0.close().whenComplete { _ in } }
                throw FleetError(url: url.redacted, action: "connecting", reason: "no answer within \(Int(connectTimeout + 10)) s")
            }
            connection = connected
        } catch {
            throw FleetError(url: url.redacted, action: "connecting", reason: FleetError.reason(error, secret: password))
        }
    }

    /// TLS as libpq's sslmode means it: `require` encrypts without checking the certificate,
    /// `verify-full` checks it against the system trust store and the host name.
    static func tls(_ mode: FleetURL.TLSMode) throws -> PostgresConnection.Configuration.TLS {
        switch mode {
        case .disable:
            return .disable
        case .prefer, .require:
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            let context = try NIOSSLContext(configuration: tls)
            return mode == .prefer ? .prefer(context) : .require(context)
        case .verifyFull:
            return .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
    }

    /// Runs one statement and returns its rows. `action` names it in errors.
    @discardableResult
    public func run(_ sql: String, _ binds: PostgresBindings = PostgresBindings(), action: String) throws(FleetError) -> [PostgresRow] {
        // A connection the server closed (restart, admin shutdown) is not queried: PostgresNIO
        // can leave such a query unanswered.
        guard !connection.isClosed else {
            throw FleetError(url: url.redacted, action: action, reason: "the server closed the connection")
        }
        do {
            let result = try wait(connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger),
                                  seconds: queryTimeout)
            return Array(result.rows)
        } catch let error as FleetError {
            throw FleetError(url: url.redacted, action: action, reason: error.reason, sqlState: error.sqlState)
        } catch {
            throw FleetError(url: url.redacted, action: action, reason: FleetError.reason(error, secret: password),
                             sqlState: FleetError.sqlState(of: error))
        }
    }

    /// Longest wait for one statement's answer; beyond it the connection is closed and the
    /// statement counts as failed (the shipper then reconnects and sends the batch again).
    public var queryTimeout = 30.0

    /// Waits for `future` at most `seconds`; on timeout the connection is closed.
    private func wait<T: Sendable>(_ future: EventLoopFuture<T>, seconds: Double) throws -> T {
        guard let value = try Self.wait(future, seconds: seconds) else {
            connection.close().whenComplete { _ in }
            throw FleetError(url: url.redacted, action: "waiting", reason: "no answer within \(Int(seconds)) s")
        }
        return value
    }

    /// A semaphore, not `wait()`, so that an answer that never comes (a half-open TCP
    /// connection, a server that went away) cannot stop the caller's thread forever. Nil
    /// when `seconds` passed first.
    static func wait<T: Sendable>(_ future: EventLoopFuture<T>, seconds: Double) throws -> T? {
        let done = DispatchSemaphore(value: 0)
        let outcome = OutcomeBox<T>()
        future.whenComplete { result in
            outcome.set(result)
            done.signal()
        }
        guard done.wait(timeout: .now() + seconds) == .success, let result = outcome.get() else { return nil }
        return try result.get()
    }

    /// Runs `body` between BEGIN and COMMIT; any error rolls back. Returns after the server
    /// confirmed the commit, which is when the shipper may forget what it sent.
    public func transaction<T>(action: String, _ body: () throws(FleetError) -> T) throws(FleetError) -> T {
        try run("BEGIN", action: action)
        do {
            let value = try body()
            try run("COMMIT", action: action)
            return value
        } catch {
            _ = try? run("ROLLBACK", action: action)
            throw error
        }
    }

    /// Decodes a column, mapping decode failures to ``FleetError``.
    public func decode<T: PostgresDecodable>(_ row: PostgresRow, _ column: String, as type: T.Type = T.self,
                                             action: String) throws(FleetError) -> T {
        do {
            return try row.makeRandomAccess()[column].decode(T.self)
        } catch {
            throw FleetError(url: url.redacted, action: action, reason: "column \(column): \(FleetError.reason(error, secret: password))")
        }
    }

    /// Closes the connection, waiting at most 2 s; errors on close do not matter.
    public func close() {
        _ = try? wait(connection.close(), seconds: 2)
    }
}

/// The result of a future, handed from the event loop to the waiting thread.
private final class OutcomeBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, any Error>?

    func set(_ value: Result<T, any Error>) { lock.withLock { result = value } }
    func get() -> Result<T, any Error>? { lock.withLock { result } }
}
