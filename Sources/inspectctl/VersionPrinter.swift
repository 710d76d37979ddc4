import Foundation
import Inspection
import Store

/// Renders model versions for `model list`, `model show` and `model export`: tables in local
/// time for people, JSON (snake_case, ISO 8601 UTC) for scripts and for `version.json`.
/// Blobs are summarised by size, never dumped.
enum VersionPrinter {
    // MARK: JSON

    /// Every column but the blobs; `full` adds the label ids themselves and the blob sizes
    /// (listings are read without blobs, so sizes would be wrong there).
    static func dictionary(_ r: ModelVersionRecord, full: Bool) -> [String: Any] {
        var d: [String: Any] = [
            "id": r.id, "station": r.station, "base": r.base, "status": r.status.rawValue, "source": r.source.rawValue,
            "parent_id": opt(r.parentID), "created_at": opt(TimeExpression.iso(r.createdAt)),
            "activated_at": opt(TimeExpression.iso(r.activatedAt)), "prompts_hash": opt(r.promptsHash),
            "review_threshold": number(r.reviewThreshold), "fail_threshold": number(r.failThreshold),
            "threshold_method": opt(r.thresholdMethod), "training_labels": r.trainingLabelIDs.count,
            "heldout_labels": r.heldOutLabelIDs.count, "metrics": r.metrics.map(metrics) ?? NSNull(),
            "decision": opt(r.decision), "note": opt(r.note),
        ]
        if full {
            d["training_label_ids"] = r.trainingLabelIDs
            d["heldout_label_ids"] = r.heldOutLabelIDs
            d["prompts_bytes"] = opt(r.prompts?.count)
            d["memory_bank_bytes"] = opt(r.memoryBank?.count)
            d["classifier_bytes"] = opt(r.classifier.map { $0.utf8.count })
        }
        return d
    }

    static func metrics(_ m: VersionMetrics) -> [String: Any] {
        func scores(_ s: VersionMetrics.Scores) -> [String: Any] {
            ["auroc": number(s.auroc), "f1": number(s.f1), "fail_threshold": number(s.failThreshold)]
        }
        return ["candidate": scores(m.candidate), "active": m.active.map(scores) ?? NSNull(),
                "heldout_good": m.heldOutGood, "heldout_defect": m.heldOutDefect,
                "epoch_losses": m.epochLosses.map { number($0) }, "training_seconds": number(m.trainingSeconds)]
    }

    /// A JSON array, one object per line, so it stays greppable.
    static func jsonArray(_ objects: [[String: Any]]) -> String {
        "[" + objects.map(RecordFormatter.json).joined(separator: ",\n") + "]"
    }

    /// Null for nil and for values JSON cannot carry (NaN, infinity).
    static func number(_ value: Double?) -> Any {
        guard let value, value.isFinite else { return NSNull() }
        return value
    }

    static func opt(_ value: Any?) -> Any { value ?? NSNull() }

    // MARK: table

    static func listHeader() -> String {
        pad("ID", 6) + pad("CREATED", 20) + pad("STATION", 14) + pad("STATUS", 10) + pad("SOURCE", 11)
            + pad("TRAIN", 6) + pad("HELD", 6) + pad("AUROC NEW/ACT", 15) + pad("F1 NEW/ACT", 15) + "DECISION"
    }

    static func listRow(_ r: ModelVersionRecord) -> String {
        pad("\(r.id)", 6) + pad(TimeExpression.format(r.createdAt), 20) + pad(r.station, 14) + pad(r.status.rawValue, 10)
            + pad(r.source.rawValue, 11) + pad("\(r.trainingLabelIDs.count)", 6) + pad("\(r.heldOutLabelIDs.count)", 6)
            + pad(pair(r.metrics, \.auroc), 15) + pad(pair(r.metrics, \.f1), 15) + (r.decision ?? "-")
    }

    /// "candidate/active" figures, "-" where there is none.
    static func pair(_ m: VersionMetrics?, _ key: KeyPath<VersionMetrics.Scores, Double>) -> String {
        guard let m else { return "-" }
        return fixed(m.candidate[keyPath: key]) + "/" + (m.active.map { fixed($0[keyPath: key]) } ?? "-")
    }

    /// `model show`: one field per line, like `show` for inspections.
    static func detailLines(_ r: ModelVersionRecord) -> [(String, String)] {
        var lines: [(String, String)] = [
            ("id", "\(r.id)"), ("station", r.station), ("status", r.status.rawValue), ("source", r.source.rawValue),
            ("base", r.base), ("parent", r.parentID.map { "\($0)" } ?? "-"),
            ("created", TimeExpression.format(r.createdAt)), ("activated", TimeExpression.format(r.activatedAt)),
            ("prompts", r.prompts.map { "\(bytes($0.count)), sha256 \(r.promptsHash ?? "-")" } ?? "configured text side"),
            ("memory_bank", r.memoryBank.map { bytes($0.count) }
                ?? (r.trainingLabelIDs.isEmpty ? "-" : "- (refitted from the training labels when activated)")),
            ("classifier", r.classifier.map { bytes($0.utf8.count) } ?? "-"),
            ("thresholds", thresholds(r)),
            ("training_labels", "\(r.trainingLabelIDs.count)"), ("heldout_labels", "\(r.heldOutLabelIDs.count)"),
        ]
        if let m = r.metrics {
            lines += [
                ("heldout_images", "\(m.heldOutGood) good, \(m.heldOutDefect) defect"),
                ("auroc", versus(m, \.auroc)), ("f1", versus(m, \.f1)), ("metric_fail_threshold", versus(m, \.failThreshold)),
                ("epoch_losses", m.epochLosses.isEmpty ? "-" : m.epochLosses.map { String(format: "%.4f", $0) }.joined(separator: " ")),
                ("training_time", duration(m.trainingSeconds)),
            ]
        } else {
            lines.append(("metrics", "-"))
        }
        lines += [("decision", r.decision ?? "-"), ("note", r.note ?? "-")]
        return lines
    }

    static func thresholds(_ r: ModelVersionRecord) -> String {
        guard r.reviewThreshold != nil || r.failThreshold != nil else { return "configured" }
        return "review \(r.reviewThreshold.map(fixed) ?? "-"), fail \(r.failThreshold.map(fixed) ?? "-")"
            + (r.thresholdMethod.map { " (\($0))" } ?? "")
    }

    private static func versus(_ m: VersionMetrics, _ key: KeyPath<VersionMetrics.Scores, Double>) -> String {
        fixed(m.candidate[keyPath: key]) + (m.active.map { " (active version then: \(fixed($0[keyPath: key])))" } ?? "")
    }

    static func fixed(_ x: Double) -> String { x.isFinite ? String(format: "%.4f", x) : "-" }

    static func bytes(_ n: Int) -> String {
        n < 10_000 ? "\(n) bytes" : n < 10_000_000 ? "\(n / 1000) kB (\(n) bytes)" : "\(n / 1_000_000) MB (\(n) bytes)"
    }

    /// "45s", "3m12s", "2h05m".
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "-" }
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60)
    }

    static func pad(_ text: String, _ width: Int) -> String { RecordFormatter.pad(text, width) }
}
