import ArgumentParser
import Config
import Foundation
import WebAuth

/// `inspectctl web adduser NAME`: adds a web station user or changes their password. Run as
/// root: the users file is root-owned (0640, group inspectd), so the web service can read
/// the hashes but nothing it runs can add itself a user.
struct WebAddUserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adduser", abstract: "Add a web station user, or set a user's password.",
        discussion: """
            The password is read from the terminal without echo, or as one line from standard input when \
            that is not a terminal. It is stored as a scrypt hash in the users file: [web] users_file of \
            --config, else /etc/inspectd/web-users. The name becomes the author of the user's labels.
            Exit status: 0 done, 1 unreadable or unwritable users file, 64 bad flags or password.
            """)

    @Argument(help: "User name: letters, digits, '.', '_', '-' and '@'.")
    var name: String

    @Option(help: "inspectd configuration file, used to find the users file.")
    var config: String = InspectdConfiguration.defaultPath

    @Option(name: .customLong("users-file"), help: ArgumentHelp("Users file (overrides [web] users_file).", valueName: "path"))
    var usersFile: String?

    func validate() throws {
        guard UsersFile.isValidName(name) else {
            throw ValidationError("<name>: may only use letters, digits, '.', '_', '-' and '@' (got \(name))")
        }
    }

    func run() throws {
        let path = try usersFilePath()
        let password = try readPassword()
        guard password.count >= 8 else { throw ValidationError("password: must be at least 8 characters") }
        do {
            var file = try UsersFile.load(path: path)
            let existed = file.hash(of: name) != nil
            file.set(name: name, hash: try PasswordHash.make(password: password))
            try file.save()
            print("\(existed ? "password changed for" : "added") user \(name) in \(path)")
        } catch let problem as UsersFile.Problem {
            throw CLIFailure(CommandError(problem.description)).report()
        }
    }

    private func usersFilePath() throws -> String {
        if let usersFile { return usersFile }
        guard FileManager.default.fileExists(atPath: config) else { return WebSettings.defaultUsersFile }
        do {
            return try InspectdConfiguration.load(path: config).web.usersFile
        } catch {
            throw CLIFailure(CommandError("\(error)")).report()
        }
    }

    /// From the terminal without echo (asked twice), else one line of standard input.
    private func readPassword() throws -> String {
        guard isatty(STDIN_FILENO) == 1 else {
            guard let line = readLine(strippingNewline: true) else { throw ValidationError("password: nothing on standard input") }
            return line
        }
        let first = try prompt("Password for \(name): ")
        let second = try prompt("Again: ")
        guard first == second else { throw ValidationError("password: the two entries differ") }
        return first
    }

    private func prompt(_ text: String) throws -> String {
        FileHandle.standardError.write(Data(text.utf8))
        var saved = termios()
        tcgetattr(STDIN_FILENO, &saved)
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = readLine(strippingNewline: true) else { throw ValidationError("password: no input") }
        return line
    }
}
