import ArgumentParser
import Engine
import Foundation

/// `engine-bench [--runs N] [--only PREFIX]`: the historical default, ViT-B/16 at 224, ViT-L/14
/// at 518 with DPAM, then decode + preprocess, filtered by name prefix.
struct AllCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all", abstract: "vitb16, vitl14_336_at518_dpam20 and decode (the default).")

    @OptionGroup var options: BenchOptions

    @Option(help: "Run only the cases whose name starts with this (vitb16, vitl14, decode).")
    var only: String?

    func run() throws {
        let prefix = only ?? ""
        for bench in [Vitb16.bench, Vitl14At518DPAM20.bench] where bench.name.hasPrefix(prefix) {
            try EncoderBenchmark.run(bench, options: options)
        }
        if "decode".hasPrefix(prefix) || prefix.hasPrefix("decode") {
            var decode = DecodeCommand()
            decode.runs = max(options.runs(default: 5), 5)
            try decode.run()
        }
    }
}
