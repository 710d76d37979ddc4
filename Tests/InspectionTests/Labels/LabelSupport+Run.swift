import Foundation
import TestSupport

extension LabelSupport {
    /// inspectctl ARGS with `environment` merged over this process's (SUDO_USER cleared, so
    /// the label author comes from what the test sets).
    static func run(_ arguments: [String], in directory: URL, environment extra: [String: String] = [:]) throws -> QueryFixture.Result {
        try QueryFixture.run(arguments, in: directory, environment: extra, removing: ["SUDO_USER"])
    }
}
