import Config
@testable import Daemon
import Foundation
import Inspection
import Store
import Testing

/// Hostile folders: links in a watched folder are not followed (or only inside it), nothing
/// of a link's target reaches the store, and a link inside `move_to` cannot redirect a move.
@Suite struct SymlinkPolicyTests {
    /// A file outside every watched folder whose content must never be read.
    static func secret(_ fx: PartsFixture) throws -> String {
        let path = fx.scratch.path("secret.txt")
        try "root:*:19000:0:99999:7:::".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aLinkIsRefusedUnlessFollowedAndThenOnlyInsideTheFolder() throws {
        let fx = try PartsFixture()
        let inside = try fx.writeImage("real.png")
        let linkIn = fx.watch.appendingPathComponent("in.png").path
        let linkOut = fx.watch.appendingPathComponent("out.png").path
        try FileManager.default.createSymbolicLink(atPath: linkIn, withDestinationPath: inside)
        try FileManager.default.createSymbolicLink(atPath: linkOut, withDestinationPath: try Self.secret(fx))
        var station = StationConfiguration(name: "line1", folder: fx.watch.path)
        #expect(throws: InspectionError.self) { try StationFileAccess(station: station).resolve(linkIn) }
        #expect(try StationFileAccess(station: station).resolve(inside) == inside)
        station.followSymlinks = true
        #expect(try StationFileAccess(station: station).resolve(linkIn).hasSuffix("/watch/real.png"))
        do {
            _ = try StationFileAccess(station: station).resolve(linkOut)
            Issue.record("a link leading outside the station folder was accepted")
        } catch let error as InspectionError {
            #expect(error.kind == "symlink")
            #expect("\(error)".contains("outside the station folder"))
        }
    }

    @Test func aLinkToASecretBecomesASymlinkErrorWithNoneOfItsBytesStored() throws {
        let fx = try PartsFixture(after: "move")
        let registry = try fx.registry()
        let processor = ImageProcessor(store: fx.store, registry: registry, clock: fx.clock, logger: fx.logger)
        let discovery = Discovery(store: fx.store, clock: fx.clock, logger: fx.logger,
                                  station: { registry[$0]?.configuration }, leftover: { _, _ in })
        let link = fx.watch.appendingPathComponent("shadow.jpg").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: try Self.secret(fx))
        discovery.discover(ReadyFile(station: "line1", path: link))
        let item = try #require(try fx.store.claimNext(at: fx.clock.now))
        #expect(item.contentHash != ContentHash.sha256(Array("root:*:19000:0:99999:7:::".utf8)))
        try processor.process(item)
        let row = try #require(try fx.store.record(station: "line1", path: link, contentHash: item.contentHash))
        #expect(row.state == .error && row.errorKind == "symlink")
        #expect(!(row.errorMessage ?? "").contains("root"), "\(row.errorMessage ?? "")")
        #expect(StationFileAccess.isSymlink(link), "the link stays; nothing is archived")
        #expect(!FileManager.default.fileExists(atPath: fx.done.path + "/shadow.jpg"))
    }

    @Test func aSymlinkedSubfolderInsideMoveToIsNotFollowed() throws {
        let fx = try PartsFixture(after: "move")
        let outside = fx.scratch.directory.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: fx.done, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: fx.done.appendingPathComponent("sub").path,
                                                   withDestinationPath: outside.path)
        try FileManager.default.createDirectory(at: fx.watch.appendingPathComponent("sub"), withIntermediateDirectories: true)
        let image = try fx.writeImage("sub/part.png")
        let config = try fx.configuration()
        let action = ProcessedFileAction(station: config.stations[0])
        #expect(throws: DaemonError.self) { try action.apply(path: image, state: .done) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
        #expect(FileManager.default.fileExists(atPath: image), "the image stays in the watched folder")
        // A plain sub-folder works, and a taken name is never overwritten.
        let second = try fx.writeImage("other/part.png")
        #expect(try action.apply(path: second, state: .done) == "moved to \(fx.done.path)/other/part.png")
        let third = try fx.writeImage("other/part.png")
        #expect(try action.apply(path: third, state: .done) == "moved to \(fx.done.path)/other/part-1.png")
    }

    @Test func aNonImageIsDescribedWithoutItsBytes() throws {
        let decoder = ImageDecoder()
        do {
            _ = try decoder.decode(data: Array("root:*:19000:0:99999:7:::".utf8), name: "x.png")
            Issue.record("text decoded as an image")
        } catch {
            #expect(!"\(error)".contains("72 6f 6f 74"), "\(error)")
            #expect("\(error)".contains("unknown format, 25 bytes"), "\(error)")
        }
    }
}
