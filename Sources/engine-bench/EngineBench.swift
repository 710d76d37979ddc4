import ArgumentParser

/// engine-bench: engine speed on this machine with random-weight models of real shapes, each
/// case next to the machine's own sgemm rate measured in the same run. One JSON line per case.
struct EngineBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine-bench",
        abstract: "Engine benchmarks with random-weight CLIP models; one JSON line per case.",
        subcommands: [
            AllCommand.self,
            EncoderCommand<Vitb16>.self, EncoderCommand<Vitb16DPAM>.self, EncoderCommand<Vitl14At336>.self,
            EncoderCommand<Vitl14At518DPAM20>.self,
            EnsembleL14Command.self, StartupL14Command.self, Maps518Command.self, KernelsCommand.self,
            DecodeCommand.self, RetrainCommand.self, RetrainWorkerCommand.self, MakeCheckpointCommand.self,
            DaemonCommand.self, ServeRSSL14Command.self,
        ],
        defaultSubcommand: AllCommand.self)
}
