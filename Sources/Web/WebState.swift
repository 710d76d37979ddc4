import Config
import Crypto
import Foundation
import Inspection
import Store
import WebAuth

/// What every request shares: the database (one read-only connection for pages, one
/// writer opened on the first label or activation, like `inspectctl`), the configuration's
/// stations and classes, the users file, the sessions and the process's CSRF key.
public final class WebState: @unchecked Sendable {
    public let databasePath: String
    public let configuration: InspectdConfiguration?
    public let usersPath: String
    let sessions: SessionStore
    let csrf: CSRFGuard
    let metrics: MetricsExporter
    /// Failed sign-ins per user name (`/login` refuses a name for a while after five).
    let signIns = SignInThrottle()
    private let lock = NSLock()
    private var reader: VerdictStore?
    private var writer: VerdictStore?

    public init(databasePath: String, configuration: InspectdConfiguration?, usersPath: String, sessionHours: Double) {
        self.databasePath = databasePath
        self.configuration = configuration
        self.usersPath = usersPath
        self.sessions = SessionStore(lifetime: sessionHours * 3600)
        self.csrf = CSRFGuard()
        self.metrics = MetricsExporter()
    }

    /// The read-only store, opened on first use (the daemon may create the file later).
    func readStore() throws -> VerdictStore {
        lock.lock()
        defer { lock.unlock() }
        if let reader { return reader }
        let opened = try VerdictStore.openReadOnly(path: databasePath)
        reader = opened
        return opened
    }

    /// The writer, for labels, activations and retraining requests only.
    func writeStore() throws -> VerdictStore {
        lock.lock()
        defer { lock.unlock() }
        if let writer { return writer }
        let opened = try VerdictStore.openExistingForWriting(path: databasePath)
        writer = opened
        return opened
    }

    /// Brings the metrics up to date with the log (the first call reads every finished row);
    /// done in the background at start so the first scrape does not wait for it.
    public func catchUpMetrics() throws {
        _ = try metrics.scrape(try readStore())
    }

    /// Station names: the configuration's, plus any only the log knows (removed stations).
    func stations(store: VerdictStore?) -> [String] {
        var names = configuration?.stations.map(\.name) ?? []
        if let logged = try? store?.stationNames() {
            for name in logged where !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// Defect classes QA may pick (`[fewshot.classes]`).
    var defectClasses: [String] { configuration?.fewShot.classes.map(\.name) ?? [] }

    /// The thresholds in force for `station` according to the configuration.
    func thresholds(station: String) -> Thresholds? {
        guard let configuration else { return nil }
        guard let config = configuration.stations.first(where: { $0.name == station }) else { return configuration.thresholds }
        return configuration.thresholds(for: config)
    }

    /// Checks a password against the users file, read fresh so `inspectctl web adduser`
    /// takes effect without a restart.
    func authenticate(user: String, password: String) -> Bool {
        guard let file = try? UsersFile.load(path: usersPath), let hash = file.hash(of: user) else {
            // Same work for unknown users, so timing does not reveal which names exist.
            _ = Self.decoy.verify(password)
            return false
        }
        return hash.verify(password)
    }

    private static let decoy = PasswordHash(logN: PasswordHash.defaultLogN, blockSize: 8, parallelism: 1,
                                            salt: Array(repeating: 7, count: 16), hash: Array(repeating: 0, count: 32))
}
