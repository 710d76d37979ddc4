import Foundation

/// The `inspectd.toml` the daemon benchmarks (`daemon`, `serve_rss_l14`) run the real daemon
/// with: one station on a full-size checkpoint at 518 px, taps 6/12/18/24, AnomalyCLIP's
/// thresholds. What differs between them is passed in.
struct BenchDaemonConfig {
    var database: String
    var checkpoint: String
    /// Learned prompts file, or nil for the prompt ensemble.
    var prompts: String?
    var dpamFirstBlock: Int
    var watch: String
    /// Extra top-level lines (before the first table), e.g. `[retrain]` settings.
    var preamble = ""
    /// Extra lines of the `[[station]]` table.
    var stationLines = ""

    func write(to path: String) throws {
        let promptsLine = prompts.map { "prompts = \"\($0)\"\n" } ?? ""
        try """
            database = "\(database)"
            \(preamble)[model]
            path = "\(checkpoint)"
            \(promptsLine)input_size = 518
            feature_layers = [6, 12, 18, 24]
            dpam_first_block = \(dpamFirstBlock)
            [thresholds]
            review = 0.4
            fail = 0.6
            [[station]]
            name = "line1"
            folder = "\(watch)"
            \(stationLines)
            """.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
