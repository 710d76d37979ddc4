import ArgumentParser

/// Options every benchmark takes.
struct BenchOptions: ParsableArguments {
    @Option(help: "Timed runs after one warm-up (default depends on the case).")
    var runs: Int?

    @Option(help: "Threads the engine uses (default: every core).")
    var threads: Int?

    /// `--runs`, or the case's default, at least 1.
    func runs(default value: Int) -> Int { max(1, runs ?? value) }
}
