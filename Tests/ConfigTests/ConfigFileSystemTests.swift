import Config

import Foundation
import Testing

/// `checkFileSystem` on real temporary folders: each test breaks one thing and expects the
/// key that names it.
@Suite struct ConfigFileSystemTests {
    /// A folder with a model file, a watched folder and a database location that all pass.
    struct Layout {
        let root: ConfigTempFolder
        let model: String
        let camera: String

        init() throws {
            root = try ConfigTempFolder()
            try root.makeFolder("models")
            model = try root.write("weights", to: "models/clip.safetensors")
            camera = try root.makeFolder("camera/top")
        }

        func config(model modelLines: String = "", station: String = "", extra: String = "") throws -> InspectdConfiguration {
            try InspectdConfiguration.parse(toml: """
                database = "\(root.path)/db/inspectd.db"
                [model]
                path = "\(model)"
                \(modelLines)
                [[station]]
                name = "top"
                folder = "\(camera)"
                \(station)
                \(extra)
                """, file: "inspectd.toml")
        }
    }

    /// The key of the `ConfigError.config` that `checkFileSystem` throws, with its problem.
    func failure(_ config: InspectdConfiguration) -> (key: String, value: String, problem: String)? {
        do {
            try config.checkFileSystem()
            return nil
        } catch let ConfigError.invalid(_, key, value, problem) {
            return (key, value, problem)
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }

    @Test func validLayoutPasses() throws {
        let layout = try Layout()
        let prompts = try layout.root.write("prompts", to: "models/prompts.safetensors")
        let config = try layout.config(model: "prompts = \"\(prompts)\"",
                                       station: "after = \"move\"\nmove_to = \"\(layout.root.path)/done/top\"")
        try config.checkFileSystem()
        // Checking creates nothing.
        #expect(!FileManager.default.fileExists(atPath: layout.root.path + "/done"))
        #expect(!FileManager.default.fileExists(atPath: layout.root.path + "/db"))
    }

    @Test func missingStationFolder() throws {
        let layout = try Layout()
        try FileManager.default.removeItem(atPath: layout.camera)
        let f = failure(try layout.config())
        #expect(f?.key == "station[0].folder")
        #expect(f?.value == "\"\(layout.camera)\"")
        #expect(f?.problem == "folder does not exist")
    }

    @Test func stationFolderIsAFile() throws {
        let layout = try Layout()
        try FileManager.default.removeItem(atPath: layout.camera)
        try layout.root.write("not a folder", to: "camera/top")
        let f = failure(try layout.config())
        #expect(f?.key == "station[0].folder")
        #expect(f?.problem == "is a file, expected a folder")
    }

    @Test func missingModelFile() throws {
        let layout = try Layout()
        try FileManager.default.removeItem(atPath: layout.model)
        let f = failure(try layout.config())
        #expect(f?.key == "model.path")
        #expect(f?.value == "\"\(layout.model)\"")
        #expect(f?.problem == "file does not exist")
    }

    @Test func modelPathIsAFolder() throws {
        let layout = try Layout()
        let f = failure(try layout.config(model: "config = \"\(layout.root.path)/models\""))
        #expect(f?.key == "model.config")
        #expect(f?.problem == "is a folder, expected a file")
    }

    @Test func missingPromptsFile() throws {
        let layout = try Layout()
        let f = failure(try layout.config(model: "prompts = \"\(layout.root.path)/models/prompts.safetensors\""))
        #expect(f?.key == "model.prompts")
        #expect(f?.problem == "file does not exist")
    }

    @Test func moveToUnderAFileCannotBeCreated() throws {
        let layout = try Layout()
        let blocker = try layout.root.write("x", to: "done")
        let f = failure(try layout.config(station: "after = \"move\"\nmove_to = \"\(blocker)/top\""))
        #expect(f?.key == "station[0].move_to")
        #expect(f?.value == "\"\(blocker)/top\"")
        #expect(f?.problem == "does not exist and cannot be created: \(blocker) is not a folder")
    }

    @Test func moveToIsAFile() throws {
        let layout = try Layout()
        let file = try layout.root.write("x", to: "done")
        let f = failure(try layout.config(station: "after = \"move\"\nmove_to = \"\(file)\""))
        #expect(f?.key == "station[0].move_to")
        #expect(f?.problem == "is a file, expected a folder")
    }

    @Test func databaseIsAFolder() throws {
        let layout = try Layout()
        try layout.root.makeFolder("db/inspectd.db")
        let f = failure(try layout.config())
        #expect(f?.key == "database")
        #expect(f?.problem == "is a folder, expected a database file")
    }

    @Test func symlinkedFoldersOverlap() throws {
        let layout = try Layout()
        let alias = layout.root.path + "/alias"
        try FileManager.default.createSymbolicLink(atPath: alias, withDestinationPath: layout.camera)
        let config = try layout.config(extra: "[[station]]\nname = \"alias\"\nfolder = \"\(alias)\"")
        let f = failure(config)
        #expect(f?.key == "station[1].folder")
        #expect(f?.value == "\"\(alias)\"")
        #expect(f?.problem == "same folder as station[0] (top) (after resolving symlinks)")
    }

    @Test func moveToThroughSymlinkIntoWatchedFolder() throws {
        let layout = try Layout()
        let alias = layout.root.path + "/done"
        try FileManager.default.createSymbolicLink(atPath: alias, withDestinationPath: layout.camera)
        let f = failure(try layout.config(station: "after = \"move\"\nmove_to = \"\(alias)/top\""))
        #expect(f?.key == "station[0].move_to")
        #expect(f?.problem.hasSuffix("(after resolving symlinks)") == true)
    }
}
