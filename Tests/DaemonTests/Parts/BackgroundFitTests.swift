import Config
@testable import Daemon
import Engine
import Foundation
import Inspection
import Store
import Testing

/// Few-shot parts fitted on a background thread: the station runs an interim meanwhile, the
/// fit is installed as the active version from the loop, attempts are persisted, and a fit
/// that died with the daemon is retried once and then backs off. On the fixture's tiny model.
@Suite struct BackgroundFitTests {
    /// Labels `good` + `defect` images written into the watched folder, as inspectctl would.
    static func label(_ fx: PartsFixture, good: Int, defect: Int, defectClass: String? = nil) throws {
        for i in 0..<(good + defect) {
            let path = try fx.writeImage("label-\(i).png")
            try fx.store.addLabel(path: path, contentHash: try ContentHash.sha256(file: path), station: "line1",
                                  kind: i < good ? .good : .defect, defectClass: i < good ? nil : defectClass,
                                  note: nil, mask: nil, author: "test", source: "cli", at: fx.clock.now)
        }
    }

    /// Waits for the fitter's thread, then lets the registry install what it produced.
    static func waitForFit(_ registry: StationRegistry, timeout: Double = 120) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while registry.fitter.isBusy {
            guard Date() < deadline else { throw HarnessError("the background fit did not end within \(timeout) s") }
            Thread.sleep(forTimeInterval: 0.05)
        }
        registry.tendFits()
    }

    @Test func labelsAreFittedInTheBackgroundWhileTheStationRunsTheTextSide() throws {
        let fx = try PartsFixture()
        try fx.writeConfig(fewShot: true)
        try Self.label(fx, good: 4, defect: 2)
        let registry = try fx.registry()
        let interim = try #require(registry["line1"])
        #expect(interim.versionID == nil, "no version yet: the configured text side scores meanwhile")
        #expect(interim.pipeline.fewShot == nil)
        #expect(try fx.store.activeVersion(station: "line1") == nil)
        let running = try #require(try fx.store.fewShotFit(station: "line1"))
        #expect(running.state == .running && running.attempts == 1 && running.totalLabels == 6)
        #expect(registry.fitConditions.first?.hasPrefix("line1 fitting few-shot parts: ") == true, "\(registry.fitConditions)")

        try Self.waitForFit(registry)
        let fitted = try #require(registry["line1"])
        let active = try #require(try fx.store.activeVersion(station: "line1"))
        #expect(fitted.versionID == active.id)
        #expect(fitted.pipeline.fewShot?.goodCount == 4 && fitted.pipeline.fewShot?.defectCount == 2)
        #expect(active.trainingLabelIDs.count == 6 && active.memoryBank != nil)
        let done = try #require(try fx.store.fewShotFit(station: "line1"))
        #expect(done.state == .done && done.attempts == 1 && done.doneImages == 6, "\(done)")
        #expect(registry.fitConditions.isEmpty)

        // A restart on the same labels has nothing to fit: the version is complete.
        let again = try fx.registry()
        #expect(again["line1"]?.versionID == active.id)
        #expect(again.pendingFits.isEmpty && !again.fitter.isBusy)
    }

    @Test func newLabelsKeepTheOldVersionScoringUntilTheFitIsInstalled() throws {
        let fx = try PartsFixture()
        try fx.writeConfig(fewShot: true)
        try Self.label(fx, good: 2, defect: 0)
        let first = try fx.registry()
        try Self.waitForFit(first)
        let old = try #require(try fx.store.activeVersion(station: "line1"))
        try Self.label(fx, good: 3, defect: 1)
        let registry = try fx.registry()
        #expect(registry["line1"]?.versionID == old.id, "the old version scores meanwhile")
        #expect(registry["line1"]?.pipeline.fewShot?.goodCount == 2)
        registry.followActiveVersions([ "line1": old.id ])
        #expect(registry["line1"]?.versionID == old.id)
        try Self.waitForFit(registry)
        let new = try #require(try fx.store.activeVersion(station: "line1"))
        #expect(new.id != old.id && new.parentID == old.id)
        #expect(registry["line1"]?.versionID == new.id)
        #expect(try fx.store.version(id: old.id).status == .retired)
    }

    /// Activating (or rolling back to) a version whose few-shot blobs were pruned switches at
    /// once, without them, and the background fit stores them back into that version.
    @Test func anActivatedVersionWithPrunedPartsIsRefittedInTheBackground() throws {
        let fx = try PartsFixture()
        try fx.writeConfig(fewShot: true)
        try Self.label(fx, good: 3, defect: 1)
        let registry = try fx.registry()
        try Self.waitForFit(registry)
        var pruned = try #require(try fx.store.activeVersion(station: "line1"))
        pruned.id = 0
        pruned.status = .candidate
        pruned.memoryBank = nil
        pruned.classifier = nil
        pruned.reviewThreshold = nil
        pruned.failThreshold = nil
        let id = try fx.store.insertVersion(pruned, retireReason: "test")
        _ = try fx.store.activateVersion(id: id, reason: "rollback", at: fx.clock.now)
        registry.followActiveVersions(try fx.store.activeVersionSummaries().mapValues(\.id))
        #expect(registry["line1"]?.versionID == id, "switched at once")
        #expect(registry["line1"]?.pipeline.fewShot == nil, "without the pruned parts meanwhile")
        #expect(registry.pendingFits["line1"] != nil)
        try Self.waitForFit(registry)
        #expect(registry["line1"]?.versionID == id)
        #expect(registry["line1"]?.pipeline.fewShot?.goodCount == 3)
        #expect(try fx.store.version(id: id).memoryBank != nil, "stored back into the version")
        #expect(try fx.store.activeVersion(station: "line1")?.id == id, "no new version for a refit")
    }

    @Test func aFitThatDiedWithTheDaemonIsRetriedOnceThenPostponed() throws {
        let fx = try PartsFixture()
        try fx.writeConfig(fewShot: true)
        try Self.label(fx, good: 3, defect: 1)
        // Each registry is a daemon start; dropping it without tending is a kill -9 mid-fit.
        let killed = try fx.registry()
        #expect(try fx.store.fewShotFit(station: "line1")?.attempts == 1)
        try Self.waitUntilIdle(killed)
        let retried = try fx.registry()
        let second = try #require(try fx.store.fewShotFit(station: "line1"))
        #expect(second.state == .running && second.attempts == 2, "one retry at once")
        try Self.waitUntilIdle(retried)
        let postponed = try fx.registry()
        #expect(try fx.store.fewShotFit(station: "line1")?.attempts == 2, "not started a third time")
        #expect(!postponed.fitter.isBusy)
        #expect(postponed.fitConditions.first?.hasPrefix("line1 few-shot fit postponed until ") == true,
                "\(postponed.fitConditions)")
        #expect(postponed["line1"]?.versionID == nil, "the station keeps what it had")
        // Ten minutes later the fit runs again and completes.
        fx.clock.advance(FitBackoff.firstDelay + 1)
        postponed.tendFits()
        #expect(try fx.store.fewShotFit(station: "line1")?.attempts == 3)
        try Self.waitForFit(postponed)
        #expect(try fx.store.fewShotFit(station: "line1")?.state == .done)
        #expect(postponed["line1"]?.versionID != nil)
    }

    @Test func aCleanStopIsNotAnAttempt() throws {
        let fx = try PartsFixture()
        try fx.writeConfig(fewShot: true)
        try Self.label(fx, good: 3, defect: 0)
        let stopped = try fx.registry()
        stopped.stopFits()
        #expect(try fx.store.fewShotFit(station: "line1") == nil)
        try Self.waitUntilIdle(stopped)
        let next = try fx.registry()
        #expect(try fx.store.fewShotFit(station: "line1")?.attempts == 1)
        try Self.waitForFit(next)
    }

    @Test func backoffDoublesAfterTheFreeRetryAndAfterEveryFailure() {
        let key = "k"
        func fit(_ state: FewShotFit.State, _ attempts: Int) -> FewShotFit {
            FewShotFit(station: "s", key: key, state: state, attempts: attempts, startedAt: 1000,
                       finishedAt: state == .running ? nil : 1001)
        }
        #expect(FitBackoff.notBefore(nil, key: key) == nil)
        #expect(FitBackoff.notBefore(fit(.running, 1), key: key) == nil, "one death: retried at once")
        #expect(FitBackoff.notBefore(fit(.running, 2), key: key) == Optional(1600.0))
        #expect(FitBackoff.notBefore(fit(.running, 3), key: key) == Optional(2200.0))
        #expect(FitBackoff.notBefore(fit(.failed, 1), key: key) == Optional(1600.0), "an error is not retried at once")
        #expect(FitBackoff.notBefore(fit(.running, 30), key: key) == Optional(1000.0 + 6 * 3600))
        #expect(FitBackoff.notBefore(fit(.done, 5), key: key) == nil)
        #expect(FitBackoff.notBefore(fit(.running, 5), key: "other") == nil, "another fit starts afresh")
    }

    /// Zero-shot refinement (`refine_zero_shot`): the fit encodes at most `refine_window` of
    /// the newest unlabelled `fail` images and refines the class vectors on them; with too few
    /// it keeps plain zero-shot.
    @Test(arguments: [(failures: 14, window: 10, refined: true), (failures: 3, window: 10, refined: false)])
    func theFitRefinesZeroShotClassesOnABoundedWindow(failures: Int, window: Int, refined: Bool) throws {
        let fx = try PartsFixture()
        try fx.writeConfig(fewShot: true, fewShotKeys: """
            refine_zero_shot = true
            refine_window = \(window)
            [fewshot.classes]
            scratch = "a bright scratch"
            spot = "a dark spot"
            """)
        try Self.label(fx, good: 2, defect: 1, defectClass: "scratch")
        var newest = [String]()
        for i in 0..<failures {
            let path = try fx.writeImage("fail-\(i).png")
            let file = DiscoveredFile(station: "line1", path: path, size: 100, mtime: fx.clock.now,
                                      contentHash: try ContentHash.sha256(file: path))
            try fx.store.addFinished(file, at: fx.clock.now + Double(i), verdict: .fail)
            newest.insert(path, at: 0)
        }
        // A pass and a labelled fail are not in the window.
        let pass = try fx.writeImage("pass.png")
        try fx.store.addFinished(DiscoveredFile(station: "line1", path: pass, size: 1, mtime: 0,
                                                contentHash: try ContentHash.sha256(file: pass)),
                                 at: fx.clock.now + 100, verdict: .pass)
        let registry = try fx.registry()
        let job = try #require(registry.pendingFits["line1"]?.job)
        #expect(job.unlabelled == Array(newest.prefix(window)))
        try Self.waitForFit(registry)
        let classifier = try #require(registry["line1"]?.pipeline.fewShot?.classifier)
        let inspector = try #require(registry["line1"]?.pipeline.inspector)
        let plain = try DefectClassifier.zeroShot(classes: try fx.configuration().fewShot.classes,
                                                  tokenizer: try CLIPTokenizer(), encoder: inspector.model.textEncoder)
        #expect((classifier.textWeights != plain.textWeights) == refined,
                refined ? "refined on \(window) images" : "too few images: plain zero-shot")
    }

    /// The fitter's thread ends (a dropped registry's fit finishes on its own).
    static func waitUntilIdle(_ registry: StationRegistry) throws {
        let deadline = Date().addingTimeInterval(120)
        while registry.fitter.isBusy {
            guard Date() < deadline else { throw HarnessError("fit still running") }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }
}
