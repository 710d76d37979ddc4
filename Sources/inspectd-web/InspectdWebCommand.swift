import ArgumentParser
import Config
import Foundation
import Logging
import Web

/// `inspectd-web`: the browser review station over the verdict database. It reads the same
/// configuration as inspectd (database, stations, defect classes, `[web]`), listens on
/// loopback unless told otherwise, and writes only labels, activations and retraining
/// requests, as inspectctl does.
@main
struct InspectdWebCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspectd-web",
        abstract: "The inspectd review station in the browser, and /metrics for Prometheus.",
        discussion: """
            Prints "listening on http://HOST:PORT" once it accepts connections. Exit status: 0 stopped by \
            SIGTERM/SIGINT, 1 bad configuration or address in use, 64 bad flags.
            """,
        subcommands: [ServeCommand.self, BenchCommand.self],
        defaultSubcommand: ServeCommand.self)
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve the review station (default).")

    @Option(help: "inspectd configuration file (database, stations, [web]).")
    var config: String = InspectdConfiguration.defaultPath

    @Option(help: "Verdict database (default: the configuration's).")
    var db: String?

    @Option(help: ArgumentHelp("Address to listen on, host:port (default: [web] listen, else 127.0.0.1:8470).", valueName: "host:port"))
    var listen: String?

    @Option(name: .customLong("users-file"), help: ArgumentHelp("Users file (default: [web] users_file).", valueName: "path"))
    var usersFile: String?

    func validate() throws {
        if let listen, case .failure(let error) = WebSettings.parseListen(listen) {
            throw ValidationError("--listen: \(error.reason) (got \(listen))")
        }
    }

    func run() async throws {
        var configuration: InspectdConfiguration?
        if FileManager.default.fileExists(atPath: config) {
            do {
                configuration = try InspectdConfiguration.load(path: config)
            } catch {
                FileHandle.standardError.write(Data("inspectd-web: \(error)\n".utf8))
                throw ExitCode(1)
            }
        } else if db == nil {
            FileHandle.standardError.write(Data("inspectd-web: \(config) does not exist; pass --config or --db\n".utf8))
            throw ExitCode(1)
        }
        var web = configuration?.web ?? WebSettings()
        if let listen, case .success(let parsed) = WebSettings.parseListen(listen) {
            web.host = parsed.host
            web.port = parsed.port
        }
        let state = WebState(databasePath: db ?? configuration?.database ?? InspectdConfiguration.defaultDatabase,
                             configuration: configuration, usersPath: usersFile ?? web.usersFile,
                             sessionHours: web.sessionHours)
        var logger = Logger(label: "inspectd-web")
        logger.logLevel = .notice
        let host = web.host
        do {
            try await WebServer(state: state, host: host, port: web.port).run(logger: logger) { port in
                let shown = host.contains(":") ? "[\(host)]" : host
                // Unbuffered: tests and scripts wait for this line on a pipe.
                FileHandle.standardOutput.write(Data("listening on http://\(shown):\(port) (database \(state.databasePath))\n".utf8))
            }
        } catch {
            FileHandle.standardError.write(Data("inspectd-web: cannot serve on \(web.listen): \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
