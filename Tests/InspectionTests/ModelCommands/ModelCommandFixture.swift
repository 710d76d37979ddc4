import Foundation
import Inspection
import Store

/// A fresh verdict log with model versions and training jobs written through the store API
/// (as the daemon writes them), plus a runner for the real `inspectctl` against it.
///
/// `standard()` builds, in id order:
///
/// | id | station | source     | status   | notes                                                         |
/// |----|---------|------------|----------|---------------------------------------------------------------|
/// | 1  | line-1  | configured | retired  | active first (T0), thresholds, labels [1, 2, 3]; retired by 3 |
/// | 2  | line-1  | trained    | rejected | metrics 0.81/0.85 AUROC, decision "rejected …"                |
/// | 3  | line-1  | trained    | active   | prompts, memory bank, classifier, metrics 0.93/0.85           |
/// | 4  | press-2 | configured | active   | the only version of press-2                                   |
final class ModelFixture: @unchecked Sendable {
    /// 2023-11-14 22:13:20 UTC.
    static let t0: Double = 1_700_000_000
    static let base = "m0123456789ab-e:object-s89abcdef"
    static let otherBase = "mfedcba987654-p0123456789-s01234567"
    static let prompts: [UInt8] = Array("prompt bytes".utf8)
    static let memoryBank: [UInt8] = Array(repeating: 7, count: 2048)
    static let classifier = #"{"classes":["scratch","dent"]}"#
    static let promotedMetrics = VersionMetrics(
        candidate: .init(auroc: 0.93, f1: 0.82, failThreshold: 0.55), active: .init(auroc: 0.85, f1: 0.70, failThreshold: 0.6),
        heldOutGood: 12, heldOutDefect: 5, epochLosses: [0.9, 0.5, 0.25], trainingSeconds: 192)
    static let rejectedMetrics = VersionMetrics(
        candidate: .init(auroc: 0.81, f1: 0.60, failThreshold: 0.5), active: .init(auroc: 0.85, f1: 0.70, failThreshold: 0.6),
        heldOutGood: 12, heldOutDefect: 5, epochLosses: [0.9, 0.8], trainingSeconds: 95)

    let directory: URL
    let dbPath: String
    /// Kept open for writing, like the running daemon's connection.
    let store: VerdictStore

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("inspectctl-model-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        dbPath = directory.appendingPathComponent("inspectd.db").path
        store = try VerdictStore.openForWriting(path: dbPath)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The four versions of the table above.
    static func standard() throws -> ModelFixture {
        let fx = try ModelFixture()
        let t0 = Self.t0
        try fx.insert(ModelVersionRecord(
            station: "line-1", base: base, status: .active, source: .configured, createdAt: t0, reviewThreshold: 0.3,
            failThreshold: 0.7, thresholdMethod: "f1", trainingLabelIDs: [1, 2, 3], note: "first start"))
        let rejected = try fx.insert(ModelVersionRecord(
            station: "line-1", base: base, status: .candidate, source: .trained, parentID: 1, createdAt: t0 + 3600,
            prompts: Self.prompts, promptsHash: ContentHash.sha256(Self.prompts), trainingLabelIDs: [1, 2, 3, 4],
            heldOutLabelIDs: [5, 6], metrics: rejectedMetrics))
        try fx.store.updateVersionDecision(id: rejected, status: .rejected, decision: "rejected: held-out AUROC 0.8100 < 0.8500")
        let promoted = try fx.insert(ModelVersionRecord(
            station: "line-1", base: base, status: .candidate, source: .trained, parentID: 1, createdAt: t0 + 7200,
            prompts: Self.prompts, promptsHash: ContentHash.sha256(Self.prompts), memoryBank: Self.memoryBank,
            classifier: Self.classifier, reviewThreshold: 0.35, failThreshold: 0.65, thresholdMethod: "f1",
            trainingLabelIDs: [1, 2, 3, 4, 7], heldOutLabelIDs: [5, 6, 8], metrics: promotedMetrics))
        try fx.store.updateVersionDecision(id: promoted, status: .candidate, decision: "promoted: held-out AUROC 0.9300 >= 0.8500")
        try fx.store.activateVersion(id: promoted, reason: "promoted by the daemon", at: t0 + 7300)
        try fx.insert(ModelVersionRecord(station: "press-2", base: base, status: .active, source: .configured,
                                         createdAt: t0 + 60))
        return fx
    }

    @discardableResult
    func insert(_ record: ModelVersionRecord) throws -> Int64 {
        try store.insertVersion(record)
    }

    /// `inspectctl ARGS --db <fixture db>` with TZ=UTC and the user qa-alice.
    func ctl(_ arguments: [String], db: String? = nil) throws -> QueryFixture.Result {
        try QueryFixture.run(arguments + ["--db", db ?? dbPath], in: directory, environment: ["SUDO_USER": "qa-alice"])
    }

    /// A database path that does not exist.
    var missingDB: String { directory.appendingPathComponent("missing.db").path }

    static func jsonArray(_ text: String) throws -> [[String: Any]] {
        guard let array = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] else {
            throw QueryFixture.FixtureError("not a JSON array of objects: \(text)")
        }
        return array
    }
}
