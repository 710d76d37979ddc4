import Inspection
import Store

extension StoreOptions {
    /// Opens the existing log for writing (labels), next to a running daemon; missing → exit 3,
    /// locked → 4, not a verdict log or not writable → 5. Never creates the file.
    func openForWriting() throws -> VerdictStore {
        try refuseFleetURL()
        do {
            return try VerdictStore.openExistingForWriting(path: databasePath)
        } catch {
            throw CLIFailure(error)
        }
    }
}
