import Foundation
import Store
import Testing
import TestSupport

/// `inspectctl label` on a log written before labels existed (`Fixtures/v1-log.sqlite`, made
/// by the real v1 migrations: one finished `fail` verdict, one queued image) upgrades it in place.
@Suite struct LabelMigrationCLITests {
    @Test func labellingFromTheCLIUpgradesAV1Log() throws {
        let scratch = try StoreScratch()
        let path = scratch.path()
        let fixture = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        try FileManager.default.copyItem(atPath: fixture.appendingPathComponent("v1-log.sqlite").path, toPath: path)
        let labelled = try LabelSupport.run(["label", "--db", path, "1", "defect", "--class", "scratch"], in: scratch.directory)
        #expect(labelled.status == 0, "\(labelled)")
        let verdicts = try LabelSupport.run(["verdicts", "--db", path, "-o", "json"], in: scratch.directory)
        #expect(verdicts.status == 0 && verdicts.lines.count == 2, "\(verdicts)")
        #expect(try VerdictStore.openReadOnly(path: path).currentLabels().map(\.inspectionID) == [1])
    }
}
