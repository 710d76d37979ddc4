import Foundation
import Inspection

/// `inspectctl eval`'s table and CSV: the detector metrics per category, then the classifier
/// methods side by side, each cell "mean±std" over the runs.
enum EvalReportPrinter {
    /// Both tables; the method table is left out when no report has method rows.
    static func table(_ reports: [EvaluationReport]) -> String {
        func cell(_ m: EvaluationReport.MeanStd?) -> String {
            RecordFormatter.pad(m.map { String(format: "%.4f±%.4f", $0.mean, $0.std) } ?? "-", 18)
        }
        let names = EvaluationReport.metricNames
        var lines = [RecordFormatter.pad("CATEGORY", 16) + RecordFormatter.pad("SHOTS", 6)
                     + names.map { RecordFormatter.pad($0.uppercased(), 18) }.joined()]
        for r in reports {
            lines.append(RecordFormatter.pad(r.category, 16) + RecordFormatter.pad("\(r.shots)", 6)
                         + names.map { cell(r.metrics[$0]) }.joined())
        }
        if reports.contains(where: { !$0.methods.isEmpty }) {
            lines.append("")
            lines.append(RecordFormatter.pad("CATEGORY", 16) + RecordFormatter.pad("SHOTS", 6) + RecordFormatter.pad("METHOD", 19)
                         + RecordFormatter.pad("ACCURACY", 18) + RecordFormatter.pad("MACRO_F1", 18) + "CHOSEN")
            for r in reports {
                for m in r.methods {
                    let chosen = m.chosen.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")
                    lines.append(RecordFormatter.pad(r.category, 16) + RecordFormatter.pad("\(r.shots)", 6)
                                 + RecordFormatter.pad(m.method, 19) + cell(m.accuracy) + cell(m.macroF1) + chosen)
                }
            }
        }
        return lines.map { $0 + "\n" }.joined()
    }

    /// Long format, one row per category and metric (method empty) or per category, method and
    /// score (metric `accuracy` or `macro_f1`), so a spreadsheet can pivot either way.
    static func csv(_ reports: [EvaluationReport]) -> String {
        var lines = ["category,shots,runs,metric,method,mean,std"]
        func row(_ r: EvaluationReport, _ metric: String, _ method: String, _ m: EvaluationReport.MeanStd) {
            lines.append([r.category, "\(r.shots)", "\(r.runs)", metric, method, "\(m.mean)", "\(m.std)"]
                .map(RecordFormatter.csvQuote).joined(separator: ","))
        }
        for r in reports {
            for name in EvaluationReport.metricNames { if let m = r.metrics[name] { row(r, name, "", m) } }
            for m in r.methods {
                row(r, "accuracy", m.method, m.accuracy)
                row(r, "macro_f1", m.method, m.macroF1)
            }
        }
        return lines.map { $0 + "\n" }.joined()
    }
}
