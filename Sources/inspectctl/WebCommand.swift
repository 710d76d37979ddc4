import ArgumentParser

/// `inspectctl web`: administration of the browser review station (`inspectd-web`).
struct WebCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "web", abstract: "Manage the web review station's users.",
        subcommands: [WebAddUserCommand.self])
}
