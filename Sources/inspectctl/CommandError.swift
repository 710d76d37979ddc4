/// A failure of an inspectctl command that is neither a usage error nor a store error
/// (nothing to cancel, a refused activation, an unusable prompts file). Wrapped in
/// `CLIFailure` it prints "inspectctl: <message>" and exits with status 1.
struct CommandError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
