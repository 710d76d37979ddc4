import ArgumentParser
import Daemon
import Engine
import Foundation

/// The child: idle priority and one thread first, then epochs until SIGTERM, one JSON line per
/// epoch ({"worker_epoch", "seconds", "mean_loss"}).
struct RetrainWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrain-worker", abstract: "The child of `retrain`; not meant to be run by hand.",
        shouldDisplay: false)

    func run() throws {
        let status = Self.work()
        if status != 0 { throw ExitCode(status) }
    }

    static func work() -> Int32 {
        ComputeBudget.limit(threads: 1)
        let priority = ProcessPriority.lowerPriority()
        let stop = StopFlag()
        signal(SIGTERM, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        source.setEventHandler { stop.set() }
        source.resume()

        let a = RetrainSetup.architecture
        let setupStart = BenchSupport.now()
        var rng = RandomWeights(seed: 4321)
        let tower = rng.textTower(a)
        let batches = RetrainSetup.batches()
        do {
            let tokenizer = try CLIPTokenizer()
            let prompts = try LearnedPrompts.random(contextLength: 12, deepPromptCount: 8, deepPromptLength: 4,
                                                    width: a.textWidth, seed: 1)
            BenchSupport.emit(BenchSupport.jsonLine(["worker": "ready", "priority": priority, "blas_threads": BLAS.threads,
                           "setup_s": BenchSupport.round3(BenchSupport.now() - setupStart)]))
            var epochStart = BenchSupport.now()
            let (_, epochs) = try PromptTrainer().train(
                prompts: prompts, tower: tower, tokenizer: tokenizer, batches: batches, epochs: Int(Int32.max),
                progress: { epoch in
                    let t = BenchSupport.now()
                    // CLOCK_MONOTONIC is system-wide, so the parent can place this epoch on its own clock.
                    BenchSupport.emit(BenchSupport.jsonLine(["worker_epoch": epoch.index, "seconds": BenchSupport.round3(t - epochStart),
                                   "mean_loss": Double(epoch.meanLoss), "end_monotonic_s": t]))
                    epochStart = t
                    return !stop.isSet
                },
                shouldContinue: { !stop.isSet })
            BenchSupport.emit(BenchSupport.jsonLine(["worker": "stopped", "epochs": epochs.count]))
            source.cancel()
            return 0
        } catch {
            FileHandle.standardError.write(Data("engine-bench retrain-worker: \(error)\n".utf8))
            return 1
        }
    }
}
