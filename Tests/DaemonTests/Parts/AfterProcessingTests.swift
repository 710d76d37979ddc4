import Config
@testable import Daemon
import Foundation
import Inspection
import Store
import Testing

/// A move that fails is on the verdict row (`after_state`, `after_error`), counted, and
/// retried at the next start.
@Suite struct AfterProcessingTests {
    @Test func aFailedMoveIsRecordedCountedAndRetried() throws {
        let fx = try PartsFixture(after: "move")
        let registry = try fx.registry()
        let processor = ImageProcessor(store: fx.store, registry: registry, clock: fx.clock, logger: fx.logger)
        // A link planted in move_to makes the move of sub/part.png fail.
        try FileManager.default.createDirectory(at: fx.done, withIntermediateDirectories: true)
        let elsewhere = fx.scratch.directory.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: fx.done.appendingPathComponent("sub").path,
                                                   withDestinationPath: elsewhere.path)
        try FileManager.default.createDirectory(at: fx.watch.appendingPathComponent("sub"), withIntermediateDirectories: true)
        let path = try fx.writeImage("sub/part.png")
        let item = try ImageProcessorTests.queued(fx, path)
        try processor.process(item)
        var row = try #require(try fx.store.record(station: "line1", path: path, contentHash: item.contentHash))
        #expect(row.state == .done, "the verdict stands")
        #expect(row.afterState == "failed")
        #expect(row.afterError?.contains("symbolic link") == true, "\(row.afterError ?? "")")
        #expect(try fx.store.afterProcessingFailures() == 1)
        #expect(try fx.store.stats(VerdictFilter(), bucket: .none).first?.afterFailed == 1)

        // The operator removes the link; the next start moves the file.
        try FileManager.default.removeItem(atPath: fx.done.appendingPathComponent("sub").path)
        processor.retryFailedAfterProcessing()
        row = try #require(try fx.store.record(station: "line1", path: path, contentHash: item.contentHash))
        #expect(row.afterState == "done" && row.afterError == nil)
        #expect(FileManager.default.fileExists(atPath: fx.done.appendingPathComponent("sub/part.png").path))
        #expect(try fx.store.afterProcessingFailures() == 0)
    }
}
