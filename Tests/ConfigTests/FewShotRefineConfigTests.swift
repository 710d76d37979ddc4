import Config
import Inspection
import Testing

/// `[fewshot] refine_zero_shot`: off by default, read as a boolean, carried into the settings,
/// and a non-boolean blamed on `fewshot.refine_zero_shot`.
@Suite struct FewShotRefineConfigTests {
    @Test func defaultOffAndCarriedIntoSettings() throws {
        let plain = try ConfigFixture.parse(ConfigFixture.minimal).fewShot
        let plainSettings = try plain.settings()
        #expect(!plain.refineZeroShot && !plainSettings.refineZeroShot)
        let on = try ConfigFixture.parse(ConfigFixture.with(extra: "[fewshot]\nrefine_zero_shot = true\n")).fewShot
        let onSettings = try on.settings()
        #expect(on.refineZeroShot && onSettings.refineZeroShot)
    }

    @Test func nonBooleanIsRejected() {
        expectConfigError(ConfigFixture.with(extra: "[fewshot]\nrefine_zero_shot = 1\n"), key: "fewshot.refine_zero_shot",
                          value: "1")
    }
}
