import Foundation
import Inspection
import Store
import Testing

/// `inspectctl model activate` and `model rollback` switch the station's version in the log
/// (the daemon follows within seconds), and refuse what would not work.
@Suite struct ModelActivateTests {
    @Test func activateRetiresTheActiveVersion() throws {
        let fx = try ModelFixture.standard()
        let result = try fx.ctl(["model", "activate", "1"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("version 1 is now active for station line-1 (was 3); inspectd switches within a few seconds"),
                "\(result.stdout)")
        let active = try #require(try fx.store.activeVersion(station: "line-1"))
        #expect(active.id == 1 && active.note == "activated by qa-alice with inspectctl")
        #expect(try fx.store.version(id: 3).status == .retired)
        #expect(try fx.store.activeVersionIDs() == ["line-1": 1, "press-2": 4])

        let withReason = try fx.ctl(["model", "activate", "2", "--reason", "QA trusts the new prompts"])
        #expect(withReason.status == 0 && withReason.stdout.contains("(was 1)"), "\(withReason)")
        let two = try fx.store.version(id: 2)
        #expect(two.status == .active && two.note == "QA trusts the new prompts")
        #expect(try fx.store.version(id: 1).status == .retired)

        let again = try fx.ctl(["model", "activate", "2"])
        #expect(again.status == 0 && again.stdout.contains("already active"), "\(again)")
    }

    @Test func activateRefusesAVersionOfAnotherBase() throws {
        let fx = try ModelFixture.standard()
        let foreign = try fx.insert(ModelVersionRecord(station: "line-1", base: ModelFixture.otherBase, status: .candidate,
                                                       source: .imported, createdAt: ModelFixture.t0 + 9000))
        let result = try fx.ctl(["model", "activate", "\(foreign)"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("version \(foreign) was made for another model or configuration (base \(ModelFixture.otherBase))"),
                "\(result.stderr)")
        #expect(result.stderr.contains("active version 3 (base \(ModelFixture.base))"), "\(result.stderr)")
        #expect(try fx.store.activeVersionIDs()["line-1"] == 3)
        #expect(try fx.store.version(id: foreign).status == .candidate)

        let unknown = try fx.ctl(["model", "activate", "99"])
        #expect(unknown.status == 1 && unknown.stderr.contains("no model version with id 99"), "\(unknown)")
        let empty = try fx.ctl(["model", "activate", "1", "--reason", " "])
        #expect(empty.status == 64 && empty.stderr.contains("--reason"), "\(empty)")
    }

    @Test func rollbackRestoresThePreviouslyActiveVersion() throws {
        let fx = try ModelFixture.standard()
        let result = try fx.ctl(["model", "rollback", "--station", "line-1"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("version 1 is now active for station line-1 (was 3)"), "\(result.stdout)")
        let active = try #require(try fx.store.activeVersion(station: "line-1"))
        #expect(active.id == 1 && active.note == "rollback from version 3")
        #expect(try fx.store.version(id: 3).status == .retired)
        #expect(try fx.store.activeVersionIDs()["press-2"] == 4)
    }

    @Test func rollbackNeedsAStationWhenSeveralAreKnown() throws {
        let fx = try ModelFixture.standard()
        let ambiguous = try fx.ctl(["model", "rollback"])
        #expect(ambiguous.status == 64, "\(ambiguous)")
        #expect(ambiguous.stderr.contains("--station: required when several stations are known (line-1, press-2)"),
                "\(ambiguous.stderr)")
        #expect(try fx.store.activeVersionIDs()["line-1"] == 3)

        let unknown = try fx.ctl(["model", "rollback", "--station", "line-9"])
        #expect(unknown.status == 1 && unknown.stderr.contains("unknown station 'line-9'"), "\(unknown)")
    }

    @Test func rollbackWithNothingBeforeExitsOne() throws {
        let fx = try ModelFixture.standard()
        let result = try fx.ctl(["model", "rollback", "--station", "press-2"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("station press-2 has no earlier active version; nothing to roll back to"), "\(result.stderr)")
        #expect(try fx.store.activeVersionIDs()["press-2"] == 4)

        // With a single station known, --station may be left out.
        let single = try ModelFixture()
        try single.insert(ModelVersionRecord(station: "solo", base: ModelFixture.base, status: .active, source: .configured,
                                             createdAt: ModelFixture.t0))
        let alone = try single.ctl(["model", "rollback"])
        #expect(alone.status == 1 && alone.stderr.contains("station solo has no earlier active version"), "\(alone)")
    }
}
