import Config
@testable import Daemon
import Foundation
import Inspection
import Store
import Testing
import TestSupport

/// Old verdicts go at start-up and then once per interval, never more often.
@Suite struct RetentionScheduleTests {
    @Test func oldVerdictsAreRemovedAtStartUpAndThenHourly() throws {
        let fx = try PartsFixture()
        let day = 86400.0
        try fx.store.addFinished(StoreSamples.file(1), at: fx.clock.now - 10 * day, verdict: .pass)
        try fx.store.addFinished(StoreSamples.file(2), at: fx.clock.now - 1 * day, verdict: .fail)
        let schedule = RetentionSchedule(store: fx.store, clock: fx.clock, logger: fx.logger, interval: 3600)
        schedule.applyIfDue(RetentionSettings(verdictDays: 5), force: true)
        #expect(try fx.store.records(VerdictFilter()).count == 1)
        // The second row ages past 5 days, but the next pass is an hour after the first.
        fx.clock.now += 5 * day
        schedule.applyIfDue(RetentionSettings(verdictDays: 5))
        #expect(try fx.store.records(VerdictFilter()).count == 1)
        fx.clock.monotonic += 3600
        schedule.applyIfDue(RetentionSettings(verdictDays: 5))
        #expect(try fx.store.records(VerdictFilter()).isEmpty)
    }

    @Test func withoutRetentionSettingsNothingIsRemoved() throws {
        let fx = try PartsFixture()
        try fx.store.addFinished(StoreSamples.file(1), at: fx.clock.now - 1000 * 86400, verdict: .pass)
        RetentionSchedule(store: fx.store, clock: fx.clock, logger: fx.logger).applyIfDue(RetentionSettings(), force: true)
        #expect(try fx.store.records(VerdictFilter()).count == 1)
    }
}
