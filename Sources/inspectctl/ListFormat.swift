import ArgumentParser

/// `--format` of the model and retrain commands: an aligned table for people, JSON for scripts.
enum ListFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}
