import Config

import Testing

/// Shared fixtures for the configuration tests: a minimal valid file and helpers that run
/// the parser and pick the error apart.
enum ConfigFixture {
    static let file = "inspectd.toml"

    /// The smallest valid configuration; tests append or substitute lines.
    static let minimal = """
        [model]
        path = "/models/clip.safetensors"

        [[station]]
        name = "a"
        folder = "/srv/a"
        """

    /// `minimal` with `model` lines appended to [model] and `station` lines to the station.
    static func with(model: String = "", station: String = "", top: String = "", extra: String = "") -> String {
        """
        \(top)
        [model]
        path = "/models/clip.safetensors"
        \(model)

        [[station]]
        name = "a"
        folder = "/srv/a"
        \(station)

        \(extra)
        """
    }

    static func parse(_ toml: String) throws -> InspectdConfiguration {
        try InspectdConfiguration.parse(toml: toml, file: file)
    }

    /// The error `parse` throws, or nil if it succeeds.
    static func error(_ toml: String) -> Error? {
        do {
            _ = try parse(toml)
            return nil
        } catch {
            return error
        }
    }
}

/// Asserts that `toml` fails with `ConfigError.config` for exactly `key`, that the message
/// quotes `value`, and (optionally) that the problem mentions `problem`.
func expectConfigError(_ toml: String, key: String, value: String, problem: String? = nil,
                       sourceLocation: SourceLocation = #_sourceLocation) {
    let error = ConfigFixture.error(toml)
    guard case let .invalid(file, actualKey, actualValue, actualProblem)? = error as? ConfigError else {
        Issue.record("expected ConfigError.config for \(key), got \(String(describing: error))",
                     sourceLocation: sourceLocation)
        return
    }
    #expect(file == ConfigFixture.file, sourceLocation: sourceLocation)
    #expect(actualKey == key, "\(String(describing: error))", sourceLocation: sourceLocation)
    #expect(actualValue.contains(value), "value \(actualValue) lacks \(value)", sourceLocation: sourceLocation)
    #expect(error.map { "\($0)" }?.contains(value) == true, sourceLocation: sourceLocation)
    if let problem {
        #expect(actualProblem.contains(problem), "problem: \(actualProblem)", sourceLocation: sourceLocation)
    }
}
