import Config
@testable import Daemon
import Foundation
import Inspection
import Store
import Testing
import TestSupport

/// `kind = "file"` on a real folder and a real log: atomic documents named after the image,
/// failures kept pending and written in order once the folder is back, retention by count.
@Suite struct FileOutputTests {
    private func output(_ fx: OutputFixture, folder: String, keepCount: Int? = nil, verdicts: [Verdict] = [],
                        cursor: Int64 = 0) -> FileOutput {
        var settings = FileOutputSettings(folder: folder, keepCount: keepCount)
        settings.retryInterval = 0.1
        let config = OutputConfiguration(kind: .file(settings), verdicts: verdicts)
        return FileOutput(station: "line1", configuration: config, settings: settings, store: fx.store, cursor: cursor,
                          logger: fx.logger)
    }

    private func documents(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }.sorted()
    }

    @Test func writesOneParsableDocumentPerVerdictNamedAfterTheImage() throws {
        let fx = try OutputFixture()
        let folder = try fx.folder("out")
        let a = try fx.finish(.fail, name: "part-1.png")
        try fx.finish(nil)  // an error row: no verdict, no document
        let b = try fx.finish(.pass, name: "part-1.png")  // same image name, another inspection
        try fx.finish(.review, station: "other")
        let out = output(fx, folder: folder)
        defer { out.stop() }
        out.deliver(try fx.verdict(b))
        #expect(eventually { (try? documents(folder).count) == 2 })
        #expect(try documents(folder) == ["part-1.png.\(a).json", "part-1.png.\(b).json"])
        let text = try String(contentsOfFile: folder + "/part-1.png.\(a).json", encoding: .utf8)
        #expect(text.hasSuffix("}\n"))
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(doc["schema"] as? String == VerdictDocument.schema)
        #expect(doc["verdict"] as? String == "fail" && doc["id"] as? Int == Int(a) && doc["name"] as? String == "part-1.png")
        #expect((doc["map"] as? [String: Any])?["inspection_id"] as? Int == Int(a))
        #expect(eventually { out.status().delivered == 2 && out.status().cursor == b })
        let mode = try FileManager.default.attributesOfItem(atPath: folder + "/part-1.png.\(a).json")[.posixPermissions] as? Int
        #expect(mode == 0o640)
    }

    @Test func aMissingFolderKeepsVerdictsPendingAndWritesThemInOrderWhenItIsBack() throws {
        let fx = try OutputFixture()
        let folder = try fx.folder("later", create: false)
        let out = output(fx, folder: folder)
        defer { out.stop() }
        var ids = [Int64]()
        for _ in 0..<5 {
            let id = try fx.finish(.fail)
            ids.append(id)
            out.deliver(try fx.verdict(id))
        }
        #expect(eventually { out.status().failed >= 1 && out.status().pending == 5 })
        #expect(out.status().lastError?.contains("No such file or directory") == true)
        #expect(out.status().delivered == 0 && out.status().cursor == 0)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // No new verdict arrives: the retry alone must find the pending ones.
        #expect(eventually { (try? documents(folder).count) == 5 })
        #expect(eventually { out.status().pending == 0 && out.status().cursor == ids.last })
        #expect(out.status().delivered == 5)
        #expect(try documents(folder) == ids.map { "img\($0).png.\($0).json" }.sorted())
    }

    @Test func startsFromItsCursorAndSkipsFilteredVerdicts() throws {
        let fx = try OutputFixture()
        let folder = try fx.folder("out")
        let old = try fx.finish(.fail)
        let pass = try fx.finish(.pass)
        let fail = try fx.finish(.fail)
        let out = output(fx, folder: folder, verdicts: [.fail], cursor: old)
        defer { out.stop() }
        out.deliver(try fx.verdict(fail))
        #expect(eventually { out.status().cursor == fail })
        #expect(try documents(folder) == ["img\(fail).png.\(fail).json"])
        #expect(pass < fail)
    }

    @Test func stopsAtARowStillWaitingForItsVerdict() throws {
        let fx = try OutputFixture()
        let folder = try fx.folder("out")
        let done = try fx.finish(.fail)
        let queued = try #require(try fx.store.recordDiscovered(StoreSamples.file(99, station: "line1", path: "/cameras/line1/q.png"),
                                                              at: StoreSamples.dayStart + 50))
        #expect(try fx.store.exportStart(station: "line1") == queued - 1)
        let out = output(fx, folder: folder)
        defer { out.stop() }
        out.deliver(try fx.verdict(done))
        #expect(eventually { out.status().cursor == done })
        usleep(200_000)
        #expect(out.status().cursor == done, "a queued row is not skipped")
    }

    @Test func keepCountRemovesTheOldestOfItsOwnDocumentsOnly() throws {
        let fx = try OutputFixture()
        let folder = try fx.folder("out")
        try "not ours".write(toFile: folder + "/readme.json", atomically: true, encoding: .utf8)
        let out = output(fx, folder: folder, keepCount: 3)
        defer { out.stop() }
        var ids = [Int64]()
        for _ in 0..<6 {
            let id = try fx.finish(.fail)
            ids.append(id)
            out.deliver(try fx.verdict(id))
            #expect(eventually { out.status().cursor == id })
            usleep(20_000)  // distinct mtimes
        }
        #expect(eventually { (try? documents(folder).count) == 4 })
        #expect(try documents(folder) == (ids.suffix(3).map { "img\($0).png.\($0).json" } + ["readme.json"]).sorted())
    }

    @Test(arguments: [("a.png.12.json", true), ("a.png.json", false), (".a.png.12.json.tmp", false), ("x.12a.json", false),
                      ("readme.json", false), ("b.jpg.7.json", true)])
    func documentNames(name: String, ours: Bool) {
        #expect(FileOutput.isDocument(name) == ours)
    }
}
