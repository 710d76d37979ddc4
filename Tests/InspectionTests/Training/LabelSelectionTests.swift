import Inspection
import Store
import Testing

/// A job uses at most `maxLabelsPerClass` labels per class, the newest ones, so the memory of
/// the frozen image side stays bounded however many labels QA has given.
@Suite struct LabelSelectionTests {
    static func label(_ id: Int64, _ kind: LabelKind, at time: Double) -> Label {
        Label(id: id, inspectionID: nil, station: "line1", path: "/img/\(id).png", contentHash: "h\(id)", kind: kind,
              defectClass: nil, note: nil, mask: nil, author: "qa", createdAt: time, supersededAt: nil, source: "test")
    }

    @Test func keepsTheNewestPerClassInTheirOriginalOrder() {
        var settings = PromptTuningSettings()
        settings.maxLabelsPerClass = 2
        let tuning = PromptTuning(settings: settings, fewShot: nil)
        // ids 1…5 good at t = 10, 50, 30, 40, 20; ids 6…8 defect at t = 5, 6, 7.
        let labels = [Self.label(1, .good, at: 10), Self.label(2, .good, at: 50), Self.label(3, .good, at: 30),
                      Self.label(4, .good, at: 40), Self.label(5, .good, at: 20), Self.label(6, .defect, at: 5),
                      Self.label(7, .defect, at: 6), Self.label(8, .defect, at: 7)]
        // Newest good: 2 (50), 4 (40); newest defect: 8 (7), 7 (6).
        #expect(tuning.selectLabels(labels).map(\.id) == [2, 4, 7, 8])
    }

    @Test func equalTimesPreferTheHigherIDAndSmallSetsAreKept() {
        var settings = PromptTuningSettings()
        settings.maxLabelsPerClass = 1
        let tuning = PromptTuning(settings: settings, fewShot: nil)
        let labels = [Self.label(3, .good, at: 10), Self.label(9, .good, at: 10), Self.label(4, .defect, at: 1)]
        #expect(tuning.selectLabels(labels).map(\.id) == [9, 4])
        settings.maxLabelsPerClass = 64
        #expect(PromptTuning(settings: settings, fewShot: nil).selectLabels(labels).map(\.id) == [3, 9, 4])
    }
}
