import Engine
import Foundation
import Glibc
import Inspection
import Store
import Testing

/// The real `inspectd` on a full-size ViT-B/16 @224 (random fp16 weights written at test time,
/// ~300 MB in the harness's temporary folder, deleted afterwards), with `WATCHDOG_USEC` = 10 s:
/// the few-shot fit of 40 labels runs in the background after a restart, a SIGHUP and a
/// kill -9, while the loop keeps scoring and pinging. Serialized: two full-size daemons at once
/// would only measure each other on a two-core runner.
@Suite(.serialized) struct FullSizeEndToEndTests {
    static let watchdogUsec = 10_000_000
    /// The longest allowed gap between two WATCHDOG=1: WatchdogSec/2.
    static let longestGap = Double(watchdogUsec) / 1e6 / 2
    /// READY=1 within this many seconds of the start (or of the SIGHUP).
    static let readyWithin = 15.0

    /// A harness on a freshly written full-size ViT-B/16 checkpoint, few-shot on, retraining
    /// off, no prompts file (the configured text side is the prompt ensemble).
    static func harness() throws -> DaemonHarness {
        let h = try DaemonHarness()
        let model = h.root.appendingPathComponent("vitb16")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        let checkpoint = model.appendingPathComponent("model.safetensors").path
        try RandomCheckpointFile.write(.vitB16, to: checkpoint)
        h.modelSection = """
            path = "\(checkpoint)"
            input_size = 224
            feature_layers = [3, 6, 9, 12]
            dpam_first_block = 3
            """
        // Retraining (on by default) would start on the labels too; this tier measures the fit.
        try h.writeConfig(top: "[retrain]\nenabled = false")
        return h
    }

    /// `count` labels (half good, half defect) on 224-px images outside the watched folder,
    /// written to the daemon's log as `inspectctl label` does for a path.
    static func label(_ h: DaemonHarness, count: Int, tag: String) throws {
        let folder = h.root.appendingPathComponent("labelled")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = try VerdictStore.openForWriting(path: h.database)
        for i in 0..<count {
            let path = folder.appendingPathComponent("\(tag)-\(i).png").path
            try Data(try h.pngBytes(side: 224)).write(to: URL(fileURLWithPath: path))
            try store.addLabel(path: path, contentHash: try ContentHash.sha256(file: path), station: "line1",
                               kind: i % 2 == 0 ? .good : .defect, defectClass: nil, note: nil, mask: nil,
                               author: "e2e", source: "cli", at: Date().timeIntervalSince1970)
        }
    }

    /// Starts the daemon with the watchdog armed; returns the seconds to READY=1.
    static func start(_ h: DaemonHarness) throws -> Double {
        let begin = NotifyListener.monotonic()
        try h.start(timeout: 300, watchdogUsec: watchdogUsec)
        return NotifyListener.monotonic() - begin
    }

    static func fit(_ h: DaemonHarness) throws -> FewShotFit? {
        try VerdictStore.openReadOnly(path: h.database).fewShotFit(station: "line1")
    }

    static func activeVersion(_ h: DaemonHarness) throws -> ModelVersionRecord? {
        try VerdictStore.openReadOnly(path: h.database).activeVersion(station: "line1")
    }

    /// Waits until the station's fit row satisfies `condition`.
    @discardableResult
    static func waitForFit(_ h: DaemonHarness, timeout: Double, _ what: String,
                           _ condition: (FewShotFit) -> Bool) throws -> FewShotFit {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let fit = try? fit(h), condition(fit) { return fit }
            usleep(200_000)
        }
        throw HarnessError("few-shot fit never \(what) within \(timeout) s (row: \(String(describing: try? fit(h)))); stderr: \(h.stderrText())")
    }

    /// Drops `count` images and waits for their verdicts; they must come while the fit still
    /// runs, from `version`.
    static func dropDuringFit(_ h: DaemonHarness, count: Int, tag: String, alreadyDone: Int, version: Int64?) throws {
        for i in 0..<count { try h.writeAtomically("\(tag)-\(i).png", try h.pngBytes(side: 224)) }
        let rows = try h.waitForFinished(alreadyDone + count, timeout: 240)
        let fit = try #require(try fit(h))
        #expect(fit.state == .running, "the verdicts came while the fit was still running (\(fit.progressText))")
        let dropped = rows.filter { $0.path.contains("/\(tag)-") }
        #expect(dropped.count == count)
        for row in dropped {
            #expect(row.state == .done, "\(row.path): \(row.errorMessage ?? "-")")
            #expect(row.versionID == version, "scored by the version in force before the fit")
        }
    }

    /// The longest gap between consecutive WATCHDOG=1 datagrams received in [from, to].
    static func longestWatchdogGap(_ h: DaemonHarness, from: Double, to: Double) -> (gap: Double, pings: Int) {
        let times = h.notify.timedMessages.filter { $0.line == "WATCHDOG=1" && $0.time >= from && $0.time <= to }.map(\.time)
        let edges = [from] + times + [to]
        return (zip(edges, edges.dropFirst()).map { $1 - $0 }.max() ?? .infinity, times.count)
    }

    /// Waits for the running fit to end and checks the watchdog from `since` until then.
    static func waitForFitEnd(_ h: DaemonHarness, since: Double) throws -> (fit: FewShotFit, gap: Double) {
        let done = try waitForFit(h, timeout: 900, "finished") { $0.state != .running }
        let gap = longestWatchdogGap(h, from: since, to: NotifyListener.monotonic())
        #expect(gap.gap <= longestGap, "longest WATCHDOG=1 gap \(gap.gap) s over \(gap.pings) pings")
        return (done, gap.gap)
    }

    @Test func aRestartAndAReloadRefitInTheBackgroundWhileTheLoopScoresAndPings() throws {
        let h = try Self.harness()
        _ = try Self.start(h)
        let first = try #require(try Self.activeVersion(h), "the first start makes the text-side version")
        try Self.label(h, count: 40, tag: "label")
        #expect(h.stop() == 0)

        // Restart: READY=1 long before the 40 labels are encoded.
        let ready = try Self.start(h)
        let readyAt = NotifyListener.monotonic()
        #expect(ready <= Self.readyWithin, "READY=1 after \(ready) s")
        try Self.waitForFit(h, timeout: 60, "started") { $0.state == .running && $0.totalLabels == 40 }
        try Self.dropDuringFit(h, count: 2, tag: "during-restart", alreadyDone: 0, version: first.id)
        let (status, text) = try h.inspectctl(["status"])
        #expect(status == 0)
        #expect(text.contains("fitting:    line1: fitting few-shot parts: "), "\(text)")
        #expect(text.contains("/40 labels"), "\(text)")
        #expect(h.notify.messages.contains { $0.hasPrefix("STATUS=") && $0.contains("line1 fitting few-shot parts: ") })
        let (done, restartGap) = try Self.waitForFitEnd(h, since: readyAt)
        #expect(done.state == .done && done.attempts == 1, "\(done)")
        let fitted = try #require(try Self.activeVersion(h))
        #expect(fitted.id != first.id && fitted.source == .configured && fitted.trainingLabelIDs.count == 40)
        // The daemon switched without a restart: the next image is scored by the new version.
        try h.writeAtomically("after-restart.png", try h.pngBytes(side: 224))
        let after = try h.waitForFinished(3, timeout: 120).first { $0.path.hasSuffix("after-restart.png") }
        #expect(after?.versionID == fitted.id)
        #expect(after?.modelVersion?.hasSuffix("+fs20g20d") == true, "\(after?.modelVersion ?? "-")")

        // SIGHUP with two more labels: READY=1 for the reload at once, the fit behind it.
        try Self.label(h, count: 2, tag: "more")
        let mark = h.notify.count
        let hup = NotifyListener.monotonic()
        h.signal(SIGHUP)
        #expect(h.notify.wait(for: "READY=1", after: mark, timeout: 120))
        let reloaded = NotifyListener.monotonic()
        #expect(reloaded - hup <= Self.readyWithin, "READY=1 \(reloaded - hup) s after SIGHUP")
        try Self.waitForFit(h, timeout: 60, "restarted for 42 labels") { $0.state == .running && $0.totalLabels == 42 }
        try Self.dropDuringFit(h, count: 2, tag: "during-reload", alreadyDone: 3, version: fitted.id)
        let (second, reloadGap) = try Self.waitForFitEnd(h, since: hup)
        #expect(second.state == .done && second.attempts == 1, "\(second)")
        let refitted = try #require(try Self.activeVersion(h))
        #expect(refitted.trainingLabelIDs.count == 42 && refitted.parentID == fitted.id)
        print("full-size e2e: READY after restart \(ready) s, longest WATCHDOG gap \(restartGap) s (restart), "
              + "\(reloadGap) s (reload)")
        #expect(h.stop() == 0)
    }

    @Test func aKillDuringARefitKeepsTheOldVersionAndTheFitCompletesOnce() throws {
        let h = try Self.harness()
        _ = try Self.start(h)
        let first = try #require(try Self.activeVersion(h))
        try Self.label(h, count: 40, tag: "label")
        #expect(h.stop() == 0)

        _ = try Self.start(h)
        try Self.waitForFit(h, timeout: 300, "encoded 3 labels") { $0.state == .running && $0.doneImages >= 3 }
        h.kill9()
        #expect(try Self.activeVersion(h)?.id == first.id, "the old version stays active")
        #expect(try Self.fit(h)?.state == .running, "the killed fit is left as it was")

        // The daemon comes back (as systemd would restart it) and fits once more.
        let ready = try Self.start(h)
        let readyAt = NotifyListener.monotonic()
        #expect(ready <= Self.readyWithin, "READY=1 after \(ready) s")
        try Self.dropDuringFit(h, count: 1, tag: "after-kill", alreadyDone: 0, version: first.id)
        let (done, gap) = try Self.waitForFitEnd(h, since: readyAt)
        #expect(done.state == .done && done.attempts == 2, "the second attempt completes: \(done)")
        print("full-size e2e (kill -9): READY after \(ready) s, longest WATCHDOG gap \(gap) s")
        let fitted = try #require(try Self.activeVersion(h))
        #expect(fitted.id != first.id && fitted.trainingLabelIDs.count == 40)

        // Not in a loop: a few heartbeats later nothing was fitted again.
        Thread.sleep(forTimeInterval: 6)
        let store = try VerdictStore.openReadOnly(path: h.database)
        #expect(try store.versions(station: "line1").count == 2, "one version from the first start, one from the fit")
        #expect(try store.fewShotFit(station: "line1")?.attempts == 2)
        #expect(try store.activeVersion(station: "line1")?.id == fitted.id)
        #expect(h.stop() == 0)
    }
}
