import Config

import Foundation
import Inspection
import Testing

/// The `[retrain]` table: defaults, every key, and each bad value blamed on `retrain.<key>`
/// with the value quoted.
@Suite struct RetrainConfigTests {
    private func retrain(_ lines: String) throws -> RetrainConfiguration {
        try ConfigFixture.parse(ConfigFixture.with(extra: "[retrain]\n" + lines)).retrain
    }

    private func expectRejected(_ line: String, key: String, value: String, problem: String? = nil,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        expectConfigError(ConfigFixture.with(extra: "[retrain]\n" + line), key: "retrain." + key, value: value,
                          problem: problem, sourceLocation: sourceLocation)
    }

    // MARK: defaults and values

    @Test func defaultsWithoutTheTable() throws {
        let c = try ConfigFixture.parse(ConfigFixture.minimal).retrain
        #expect(c == RetrainConfiguration())
        #expect(c.enabled && c.afterLabels == 20 && c.everyHours == 0)
        #expect(c.threads == 1 && c.niceness == 19 && c.keepVersions == 3)
        let t = c.tuning
        #expect(t.epochs == 15 && t.batchSize == 8 && t.learningRate == 1e-3)
        #expect(t.heldOutFraction == 0.25 && t.minimumPerClass == 4 && t.margin == 0.02)
        #expect(!t.startFromScratch && t.contextLength == 12 && t.deepPromptDepth == 9 && t.deepPromptLength == 4)
        #expect(t.seed == 1)
        // An empty table is the same as none.
        #expect(try retrain("") == RetrainConfiguration())
    }

    @Test func everyKeyIsRead() throws {
        let c = try retrain("""
            enabled = false
            after_labels = 50
            every_hours = 12.5
            epochs = 30
            batch_size = 4
            learning_rate = 0.0005
            holdout_fraction = 0.3
            min_labels_per_class = 6
            margin = 0.05
            start = "scratch"
            threads = 2
            niceness = 10
            keep_versions = 5
            seed = 1234
            context_length = 8
            prompt_depth = 4
            deep_prompt_length = 2
            """)
        #expect(!c.enabled && c.afterLabels == 50 && c.everyHours == 12.5)
        #expect(c.threads == 2 && c.niceness == 10 && c.keepVersions == 5)
        let t = c.tuning
        #expect(t.epochs == 30 && t.batchSize == 4 && t.learningRate == Float(0.0005))
        #expect(t.heldOutFraction == 0.3 && t.minimumPerClass == 6 && t.margin == 0.05)
        #expect(t.startFromScratch && t.seed == 1234)
        #expect(t.contextLength == 8 && t.deepPromptDepth == 4 && t.deepPromptLength == 2)
        // Each key changes only its own field.
        var expected = RetrainConfiguration()
        expected.afterLabels = 7
        #expect(try retrain("after_labels = 7") == expected)
        expected = RetrainConfiguration()
        expected.tuning.startFromScratch = false
        #expect(try retrain(#"start = "active""#) == expected)
    }

    @Test func boundaryValuesAreAccepted() throws {
        let low = try retrain("""
            after_labels = 0
            every_hours = 0
            epochs = 1
            batch_size = 1
            min_labels_per_class = 2
            margin = 0
            threads = 1
            niceness = 0
            keep_versions = 0
            seed = 0
            context_length = 1
            prompt_depth = 1
            deep_prompt_length = 1
            """)
        #expect(low.afterLabels == 0 && low.everyHours == 0 && low.tuning.epochs == 1 && low.tuning.batchSize == 1)
        #expect(low.tuning.minimumPerClass == 2 && low.tuning.margin == 0 && low.niceness == 0 && low.keepVersions == 0)
        #expect(low.tuning.seed == 0 && low.tuning.contextLength == 1 && low.tuning.deepPromptDepth == 1)
        let high = try retrain("""
            after_labels = 1000000
            every_hours = 8760
            epochs = 10000
            batch_size = 1024
            learning_rate = 9.5
            margin = 1
            threads = 256
            niceness = 19
            keep_versions = 1000
            seed = 9223372036854775807
            context_length = 64
            prompt_depth = 64
            deep_prompt_length = 64
            holdout_fraction = 0.99
            """)
        #expect(high.afterLabels == 1_000_000 && high.everyHours == 8760 && high.tuning.epochs == 10_000)
        #expect(high.tuning.batchSize == 1024 && high.tuning.learningRate == 9.5 && high.tuning.margin == 1)
        #expect(high.threads == 256 && high.keepVersions == 1000 && high.tuning.seed == UInt64(Int64.max))
        #expect(high.tuning.heldOutFraction == 0.99 && high.tuning.deepPromptLength == 64)
        // Integers where numbers are expected.
        let ints = try retrain("learning_rate = 1\nholdout_fraction = 0.5\nevery_hours = 24")
        #expect(ints.tuning.learningRate == 1 && ints.everyHours == 24)
    }

    @Test func dottedKeysFormTheSameTable() throws {
        let c = try ConfigFixture.parse(ConfigFixture.with(top: "retrain.epochs = 3\nretrain.start = \"scratch\"")).retrain
        #expect(c.tuning.epochs == 3 && c.tuning.startFromScratch)
    }

    @Test func labelCapFollowsTheMinimumWhenNotWritten() throws {
        #expect(try retrain("").tuning.maxLabelsPerClass == 64)
        #expect(try retrain("max_labels_per_class = 12").tuning.maxLabelsPerClass == 12)
        #expect(try retrain("min_labels_per_class = 100").tuning.maxLabelsPerClass == 100)
    }

    // MARK: bad values

    @Test func outOfRangeCountsAreRejected() {
        expectRejected("after_labels = -1", key: "after_labels", value: "-1", problem: "between 0 and 1000000")
        expectRejected("after_labels = 1000001", key: "after_labels", value: "1000001")
        expectRejected("epochs = 0", key: "epochs", value: "0", problem: "between 1 and 10000")
        expectRejected("epochs = 10001", key: "epochs", value: "10001")
        expectRejected("batch_size = 0", key: "batch_size", value: "0", problem: "between 1 and 1024")
        expectRejected("batch_size = 1025", key: "batch_size", value: "1025")
        expectRejected("min_labels_per_class = 1", key: "min_labels_per_class", value: "1", problem: "between 2 and")
        expectRejected("max_labels_per_class = 1", key: "max_labels_per_class", value: "1", problem: "between 2 and")
        expectRejected("min_labels_per_class = 8\nmax_labels_per_class = 6", key: "max_labels_per_class", value: "6",
                       problem: "at least min_labels_per_class (8)")
        expectRejected("threads = 0", key: "threads", value: "0", problem: "between 1 and 256")
        expectRejected("threads = 257", key: "threads", value: "257")
        expectRejected("niceness = -1", key: "niceness", value: "-1", problem: "between 0 and 19")
        expectRejected("niceness = 20", key: "niceness", value: "20")
        expectRejected("keep_versions = -1", key: "keep_versions", value: "-1", problem: "between 0 and 1000")
        expectRejected("keep_versions = 1001", key: "keep_versions", value: "1001")
        expectRejected("seed = -1", key: "seed", value: "-1")
        expectRejected("context_length = 0", key: "context_length", value: "0", problem: "between 1 and 64")
        expectRejected("context_length = 65", key: "context_length", value: "65")
        expectRejected("prompt_depth = 0", key: "prompt_depth", value: "0")
        expectRejected("prompt_depth = 65", key: "prompt_depth", value: "65")
        expectRejected("deep_prompt_length = 0", key: "deep_prompt_length", value: "0")
        expectRejected("deep_prompt_length = 65", key: "deep_prompt_length", value: "65")
    }

    @Test func badNumbersAreRejected() {
        expectRejected("every_hours = -1", key: "every_hours", value: "-1", problem: "hours")
        expectRejected("every_hours = 8760.5", key: "every_hours", value: "8760.5")
        expectRejected("learning_rate = 0", key: "learning_rate", value: "0", problem: "greater than 0")
        expectRejected("learning_rate = -0.001", key: "learning_rate", value: "-0.001")
        expectRejected("learning_rate = 10", key: "learning_rate", value: "10")
        expectRejected("margin = -0.01", key: "margin", value: "-0.01", problem: "between 0 and 1")
        expectRejected("margin = 1.5", key: "margin", value: "1.5")
        expectRejected("every_hours = nan", key: "every_hours", value: "nan", problem: "finite")
        expectRejected("margin = inf", key: "margin", value: "inf", problem: "finite")
    }

    @Test func holdoutFractionMustBeStrictlyBetweenZeroAndOne() {
        expectRejected("holdout_fraction = 0", key: "holdout_fraction", value: "0", problem: "between 0 and 1")
        expectRejected("holdout_fraction = 0.0", key: "holdout_fraction", value: "0.0")
        expectRejected("holdout_fraction = 1", key: "holdout_fraction", value: "1", problem: "exclusive")
        expectRejected("holdout_fraction = 1.0", key: "holdout_fraction", value: "1.0")
        expectRejected("holdout_fraction = -0.25", key: "holdout_fraction", value: "-0.25")
    }

    @Test func startIsActiveOrScratch() {
        expectRejected(#"start = "sometimes""#, key: "start", value: #""sometimes""#, problem: "active")
        expectRejected(#"start = "sometimes""#, key: "start", value: "sometimes", problem: "scratch")
        expectRejected(#"start = "Scratch""#, key: "start", value: "Scratch")
        expectRejected("start = true", key: "start", value: "true")
    }

    @Test func wrongTypesAreRejected() {
        expectRejected(#"enabled = "yes""#, key: "enabled", value: #""yes""#, problem: "true or false")
        expectRejected("epochs = 1.5", key: "epochs", value: "1.5", problem: "an integer")
        expectRejected(#"margin = "0.02""#, key: "margin", value: #""0.02""#, problem: "a number")
        expectConfigError(ConfigFixture.with(top: "retrain = 3"), key: "retrain", value: "3", problem: "a table")
    }

    @Test func unknownKeysAreNamedWithASuggestion() {
        expectRejected("after_label = 5", key: "after_label", value: "5", problem: "did you mean after_labels?")
        expectRejected("batchsize = 4", key: "batchsize", value: "4", problem: "did you mean batch_size?")
        expectRejected("Every-Hours = 4", key: "Every-Hours", value: "4", problem: "did you mean every_hours?")
        // Nothing close: the allowed keys are listed.
        expectRejected("holdout = 0.2", key: "holdout", value: "0.2", problem: "allowed here: enabled, after_labels")
        // A misspelt table name is an unknown top-level key.
        expectConfigError(ConfigFixture.with(extra: "[retrian]\nepochs = 3"), key: "retrian", value: "epochs = 3",
                          problem: "did you mean retrain?")
    }
}
