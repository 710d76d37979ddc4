import Foundation
import Inspection
import Store
import Testing

/// `inspectctl model export ID DIR` writes a version's parts and a version.json describing them.
@Suite struct ModelExportTests {
    @Test func exportWritesThePartsAndVersionJSON() throws {
        let fx = try ModelFixture.standard()
        let out = fx.directory.appendingPathComponent("export/v3")
        let result = try fx.ctl(["model", "export", "3", out.path])
        #expect(result.status == 0, "\(result)")
        let names = ["prompts.safetensors", "memory_bank.bin", "classifier.json", "version.json"]
        for name in names {
            #expect(result.stdout.contains(out.appendingPathComponent(name).path), "\(name): \(result.stdout)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == names.sorted())
        #expect([UInt8](try Data(contentsOf: out.appendingPathComponent("prompts.safetensors"))) == ModelFixture.prompts)
        #expect([UInt8](try Data(contentsOf: out.appendingPathComponent("memory_bank.bin"))) == ModelFixture.memoryBank)
        #expect(String(decoding: try Data(contentsOf: out.appendingPathComponent("classifier.json")), as: UTF8.self)
                == ModelFixture.classifier)

        let json = try QueryFixture.jsonObject(String(decoding: try Data(contentsOf: out.appendingPathComponent("version.json")),
                                                      as: UTF8.self))
        #expect((json["id"] as? NSNumber)?.intValue == 3 && json["station"] as? String == "line-1")
        #expect(json["base"] as? String == ModelFixture.base && json["status"] as? String == "active")
        #expect(json["source"] as? String == "trained" && (json["parent_id"] as? NSNumber)?.intValue == 1)
        #expect(json["files"] as? [String] == names)
        #expect(json["training_label_ids"] as? [Int] == [1, 2, 3, 4, 7] && json["heldout_label_ids"] as? [Int] == [5, 6, 8])
        #expect(json["prompts_hash"] as? String == ContentHash.sha256(ModelFixture.prompts))
        #expect(json["review_threshold"] as? Double == 0.35 && json["threshold_method"] as? String == "f1")
        #expect(json["decision"] as? String == "promoted: held-out AUROC 0.9300 >= 0.8500")
        #expect(((json["metrics"] as? [String: Any])?["candidate"] as? [String: Any])?["auroc"] as? Double == 0.93)
        #expect(json["created_at"] as? String == "2023-11-15T00:13:20.000Z")
    }

    @Test func configuredVersionExportsOnlyItsMetadataIntoAnEmptyFolder() throws {
        let fx = try ModelFixture.standard()
        let out = fx.directory.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let result = try fx.ctl(["model", "export", "4", out.path])
        #expect(result.status == 0, "\(result)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["version.json"])
        let json = try QueryFixture.jsonObject(String(decoding: try Data(contentsOf: out.appendingPathComponent("version.json")),
                                                      as: UTF8.self))
        #expect(json["files"] as? [String] == ["version.json"] && json["metrics"] is NSNull && json["prompts_hash"] is NSNull)
    }

    @Test func exportRefusesANonEmptyFolderOrAFile() throws {
        let fx = try ModelFixture.standard()
        let busy = fx.directory.appendingPathComponent("busy")
        try FileManager.default.createDirectory(at: busy, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: busy.appendingPathComponent("notes.txt"))
        let result = try fx.ctl(["model", "export", "3", busy.path])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("\(busy.path): folder is not empty"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: busy.path) == ["notes.txt"])

        let file = busy.appendingPathComponent("notes.txt").path
        let onFile = try fx.ctl(["model", "export", "3", file])
        #expect(onFile.status == 1 && onFile.stderr.contains("\(file): exists and is not a folder"), "\(onFile)")

        let target = fx.directory.appendingPathComponent("never").path
        let unknown = try fx.ctl(["model", "export", "99", target])
        #expect(unknown.status == 1 && unknown.stderr.contains("no model version with id 99"), "\(unknown)")
        #expect(!FileManager.default.fileExists(atPath: target))
    }
}
