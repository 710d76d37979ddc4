import Inspection

extension ConfigParser {
    static let retrainKeys = ["enabled", "after_labels", "every_hours", "epochs", "batch_size", "learning_rate",
                              "holdout_fraction", "min_labels_per_class", "max_labels_per_class", "margin", "start", "threads", "niceness",
                              "keep_versions", "seed", "context_length", "prompt_depth", "deep_prompt_length"]

    /// `[retrain]`.
    static func retrainConfiguration(_ top: ConfigTable) throws -> RetrainConfiguration {
        var c = RetrainConfiguration()
        guard let r = try top.table("retrain", allowedKeys: retrainKeys) else { return c }
        if let v = try r.bool("enabled") { c.enabled = v }
        func count(_ key: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let v = try r.int(key) else { return nil }
            guard range.contains(v) else { throw r.error(key, "must be between \(range.lowerBound) and \(range.upperBound)") }
            return v
        }
        if let v = try count("after_labels", 0...1_000_000) { c.afterLabels = v }
        if let v = try r.double("every_hours") {
            guard v >= 0, v.isFinite, v <= 24 * 365 else { throw r.error("every_hours", "must be 0 (off) or a number of hours") }
            c.everyHours = v
        }
        if let v = try count("epochs", 1...10_000) { c.tuning.epochs = v }
        if let v = try count("batch_size", 1...1024) { c.tuning.batchSize = v }
        if let v = try r.double("learning_rate") {
            guard v > 0, v < 10, v.isFinite else { throw r.error("learning_rate", "must be greater than 0 (AnomalyCLIP: 0.001)") }
            c.tuning.learningRate = Float(v)
        }
        if let v = try r.double("holdout_fraction") {
            guard v > 0, v < 1 else { throw r.error("holdout_fraction", "must be between 0 and 1 (exclusive)") }
            c.tuning.heldOutFraction = v
        }
        if let v = try count("min_labels_per_class", 2...100_000) { c.tuning.minimumPerClass = v }
        if let v = try count("max_labels_per_class", 2...100_000) {
            guard v >= c.tuning.minimumPerClass else {
                throw r.error("max_labels_per_class", "must be at least min_labels_per_class (\(c.tuning.minimumPerClass))")
            }
            c.tuning.maxLabelsPerClass = v
        } else {
            c.tuning.maxLabelsPerClass = max(c.tuning.maxLabelsPerClass, c.tuning.minimumPerClass)
        }
        if let v = try r.double("margin") {
            guard v >= 0, v <= 1 else { throw r.error("margin", "must be between 0 and 1") }
            c.tuning.margin = v
        }
        if let scratch = try r.choice("start", [("active", false), ("scratch", true)]) { c.tuning.startFromScratch = scratch }
        if let v = try count("threads", 1...256) { c.threads = v }
        if let v = try count("niceness", 0...19) { c.niceness = Int32(v) }
        if let v = try count("keep_versions", 0...1000) { c.keepVersions = v }
        if let v = try count("seed", 0...Int.max) { c.tuning.seed = UInt64(v) }
        if let v = try count("context_length", 1...64) { c.tuning.contextLength = v }
        if let v = try count("prompt_depth", 1...64) { c.tuning.deepPromptDepth = v }
        if let v = try count("deep_prompt_length", 1...64) { c.tuning.deepPromptLength = v }
        return c
    }
}
