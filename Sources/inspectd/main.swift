import Daemon

// The daemon entry point; the watcher and queue arrive with the Daemon issue.
let arguments = CommandLine.arguments.dropFirst()
if arguments.contains("--version") {
    print("inspectd \(Daemon.version)")
} else {
    print("inspectd \(Daemon.version): the daemon is not built yet (see README).")
}
