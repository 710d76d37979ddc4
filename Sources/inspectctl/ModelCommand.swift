import ArgumentParser

/// `inspectctl model`: the model versions the daemon keeps per station. Changes are written
/// to the log only; inspectd notices a newly active version within a few seconds and switches
/// to it without a restart.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "List, inspect, activate, roll back, import and export model versions.",
        discussion: """
            Every station runs exactly one active version: the configured text side (source 'configured'), \
            prompts tuned by 'inspectctl retrain' (source 'trained') or prompts imported with 'model import-prompts'.
            Exit status: 0 done, 1 unknown id, refused or nothing to do, 3 database missing, 4 database locked, \
            5 other database error, 64 bad flags.
            """,
        subcommands: [ModelListCommand.self, ModelShowCommand.self, ModelActivateCommand.self, ModelRollbackCommand.self,
                      ModelImportPromptsCommand.self, ModelExportCommand.self, ModelPublishCommand.self])
}
