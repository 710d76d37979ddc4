import ArgumentParser

/// QA/operator command line over the inspection engine and (later) the verdict log.
@main
struct InspectCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspectctl",
        abstract: "Inspect images and query the inspectd verdict log.",
        subcommands: [StatusCommand.self, VerdictsCommand.self, FollowCommand.self, ShowCommand.self, StatsCommand.self, ExportCommand.self,
                      InspectCommand.self, ClassifyCommand.self, LabelCommand.self, EvalCommand.self, RetrainCommand.self,
                      ModelCommand.self, WebCommand.self, FleetCommand.self])
}
