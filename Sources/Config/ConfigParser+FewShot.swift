import Foundation
import Inspection

extension ConfigParser {
    static let fewShotKeys = ["enabled", "zero_shot_weight", "memory_weight", "coreset_patches", "confidence_floor",
                              "coverage", "review_false_reject_rate", "fail_false_reject_rate", "refine_zero_shot", "refine_window", "classes",
                              "max_labels_per_class", "encoding_cache_mb"]

    /// `[fewshot]` and `[fewshot.classes]`.
    static func fewShotConfiguration(_ top: ConfigTable) throws -> FewShotConfiguration {
        var c = FewShotConfiguration()
        guard let f = try top.table("fewshot", allowedKeys: fewShotKeys) else { return c }
        if let v = try f.bool("enabled") { c.enabled = v }
        if let v = try f.bool("refine_zero_shot") { c.refineZeroShot = v }
        if let v = try f.int("refine_window") {
            guard (1...FewShotConfiguration.maxRefineWindow).contains(v) else {
                throw f.error("refine_window", "must be between 1 and \(FewShotConfiguration.maxRefineWindow)")
            }
            c.refineWindow = v
        }
        for (key, path) in [("zero_shot_weight", \FewShotConfiguration.zeroShotWeight),
                            ("memory_weight", \FewShotConfiguration.memoryWeight)] {
            if let v = try f.double(key) {
                guard v >= 0, v.isFinite else { throw f.error(key, "must be 0 or more") }
                c[keyPath: path] = v
            }
        }
        guard c.zeroShotWeight + c.memoryWeight > 0 else {
            throw f.error("memory_weight", "zero_shot_weight and memory_weight must not both be 0")
        }
        if let v = try f.int("max_labels_per_class") {
            guard (1...100_000).contains(v) else { throw f.error("max_labels_per_class", "must be between 1 and 100000") }
            c.maxLabelsPerClass = v
        }
        if let v = try f.int("encoding_cache_mb") {
            guard (0...(1 << 30)).contains(v) else { throw f.error("encoding_cache_mb", "must be 0 (no cache) or a size in MiB") }
            c.encodingCacheMB = v
        }
        if let v = try f.int("coreset_patches") {
            guard v >= 1 else { throw f.error("coreset_patches", "must be at least 1") }
            c.coresetPatches = v
        }
        for (key, path) in [("confidence_floor", \FewShotConfiguration.confidenceFloor),
                            ("coverage", \FewShotConfiguration.coverage),
                            ("review_false_reject_rate", \FewShotConfiguration.reviewFalseRejectRate),
                            ("fail_false_reject_rate", \FewShotConfiguration.failFalseRejectRate)] {
            if let v = try f.double(key) {
                guard v > 0, v < 1 else { throw f.error(key, "must be between 0 and 1 (exclusive)") }
                c[keyPath: path] = v
            }
        }
        guard c.failFalseRejectRate <= c.reviewFalseRejectRate else {
            throw f.error("fail_false_reject_rate", "must not exceed review_false_reject_rate (\(c.reviewFalseRejectRate))")
        }
        if let raw = f.table["classes"] {
            guard let table = raw.table, raw.type == .table else {
                throw f.error("classes", "expected a table ([fewshot.classes]) of name = \"description\"")
            }
            let classes = try ConfigTable(file: f.file, path: f.keyPath("classes"), table: table, allowedKeys: table.keys)
            for name in table.keys {
                guard name.range(of: "^[A-Za-z0-9._-]+$", options: .regularExpression) != nil else {
                    throw classes.error(name, name, "class names may only use letters, digits, '.', '_' and '-'")
                }
                guard let description = try classes.string(name), !description.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw classes.error(name, "needs a non-empty description")
                }
                c.classes.append(DefectClass(name: name, description: description))
            }
        }
        return c
    }
}
