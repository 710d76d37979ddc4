import ArgumentParser
import Foundation
import Inspection
import Store

/// journalctl-like filters shared by `verdicts`, `stats` and `export`.
struct VerdictFilterOptions: ParsableArguments {
    @Option(name: .customLong("since"), help: "Only rows finished at or after this time (8h, today, 2026-11-24 08:00, ...).")
    var since: String?

    @Option(name: .customLong("until"), help: "Only rows finished before this time.")
    var until: String?

    @Option(name: .customLong("station"), help: "Only this station (repeatable).")
    var stations: [String] = []

    @Option(name: .customLong("verdict"), help: "Only this verdict: pass, review, fail, or error (repeatable).")
    var verdicts: [String] = []

    @Option(name: .customLong("min-score"), help: "Only rows with a score at or above this.")
    var minScore: Double?

    func validate() throws {
        for v in verdicts where Verdict(rawValue: v) == nil && v != "error" {
            throw ValidationError("--verdict: expected pass, review, fail or error (got \(v))")
        }
        do {
            if let since { _ = try TimeExpression.parse(since) }
            if let until { _ = try TimeExpression.parse(until) }
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func filter(limit: Int?, newestFirst: Bool = true) throws -> VerdictFilter {
        var f = VerdictFilter()
        f.since = try since.map { try TimeExpression.parse($0) }
        f.until = try until.map { try TimeExpression.parse($0) }
        f.stations = stations
        f.verdicts = verdicts.compactMap(Verdict.init(rawValue:))
        if verdicts.contains("error") {
            if f.verdicts.isEmpty {
                f.states = [.error]
            } else {
                f.includeErrors = true
            }
        }
        f.minScore = minScore
        f.limit = limit
        f.newestFirst = newestFirst
        return f
    }
}
