import Foundation

/// Workspaces an encoder keeps between calls. Encoders are shared across threads, so each call
/// takes one (or makes one when all are busy) and gives it back; normally exactly one exists.
/// A workspace sized for fewer workers than `Parallel.cores` now allows is dropped.
final class WorkspacePool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle = [ImageWorkspace]()
    private let make: @Sendable () -> ImageWorkspace

    init(make: @escaping @Sendable () -> ImageWorkspace) {
        self.make = make
    }

    /// Runs `body` with a workspace no other call is using.
    func withWorkspace<T>(_ body: (ImageWorkspace) throws -> T) rethrows -> T {
        let taken: ImageWorkspace? = lock.withLock { idle.popLast() }
        let workspace = taken.flatMap { $0.scratch.workers == Parallel.cores ? $0 : nil } ?? make()
        defer { lock.withLock { idle.append(workspace) } }
        return try body(workspace)
    }
}
