import ArgumentParser
import Config
import Fleet
import Foundation
import Inspection
import Store

/// Where the verdict log is: `--db`, else the `database` key of `--config`, else the default.
struct StoreOptions: ParsableArguments {
    @Option(help: "Verdict database (default: the 'database' of --config, else /var/lib/inspectd/inspectd.db); verdicts, stats and export also take the fleet's postgres://… URL.")
    var db: String?

    @Option(help: "inspectd configuration file, used to find the database.")
    var config: String = InspectdConfiguration.defaultPath

    var databasePath: String {
        if let db { return db }
        if FileManager.default.fileExists(atPath: config),
           let parsed = try? InspectdConfiguration.load(path: config) {
            return parsed.database
        }
        return "/var/lib/inspectd/inspectd.db"
    }

    /// Opens read-only; missing → exit 3, locked → exit 4, with a message.
    func open() throws -> VerdictStore {
        try refuseFleetURL()
        do {
            return try VerdictStore.openReadOnly(path: databasePath)
        } catch {
            throw CLIFailure(error)
        }
    }
}

/// Output formats shared by the query commands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}

/// Prints the error and exits with a status that says what went wrong:
/// 1 unknown id / nothing to do, 3 database missing, 4 database locked, 5 other database error.
struct CLIFailure: Error {
    let error: Error
    init(_ error: Error) { self.error = error }

    var exitCode: Int32 {
        if error is FleetError { return 5 }
        if let error = error as? StoreError {
            switch error {
            case .notFound: return 3
            case .locked: return 4
            default: return 5
            }
        }
        switch error as? InspectionError {
        case .notFound?: return 1
        case .databaseMissing?: return 3
        case .databaseLocked?: return 4
        case .database?: return 5
        default: return 1
        }
    }

    func report() -> ExitCode {
        FileHandle.standardError.write(Data("inspectctl: \(error)\n".utf8))
        return ExitCode(exitCode)
    }
}

/// Runs a command body, turning store errors into their exit codes.
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let failure as CLIFailure {
        throw failure.report()
    } catch let error as InspectionError {
        throw CLIFailure(error).report()
    } catch let error as StoreError {
        throw CLIFailure(error).report()
    }
}
