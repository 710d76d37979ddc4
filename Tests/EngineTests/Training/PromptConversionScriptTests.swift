import Engine
import Foundation
import Testing

/// `scripts/convert_anomalyclip_prompts.py` writes exactly what `LearnedPrompts.load` accepts (the
/// loader behind `inspectctl model import-prompts` and the daemon's `prompts` key). The script runs
/// on an .npz written by numpy, so PyTorch is not needed; without python3 + numpy the tests print a
/// note and pass.
@Suite struct PromptConversionScriptTests {
    /// Tests/EngineTests/Training/ → ../../../scripts/convert_anomalyclip_prompts.py
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Training
        .deletingLastPathComponent()  // EngineTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("scripts/convert_anomalyclip_prompts.py")

    /// Writes `checkpoint.npz` (AnomalyCLIP state-dict names: fp32 ctx_pos, fp16 ctx_neg, two deep
    /// prompts, projections and prompt-learner buffers the converter drops), `bad.npz` (no ctx_neg)
    /// and each expected tensor as raw little-endian float32 `NAME.bin`. argv: folder, width.
    static let makeInputs = """
        import sys
        import numpy as np
        folder, w = sys.argv[1], int(sys.argv[2])
        rng = np.random.default_rng(7)
        n, k = 3, 2
        a = {
            "ctx_pos": (rng.standard_normal((1, 1, n, w)) * 0.02).astype(np.float32),
            "ctx_neg": (rng.standard_normal((1, 1, n, w)) * 0.02).astype(np.float16),
            "compound_prompts_text.0": (rng.standard_normal((k, w)) * 0.02).astype(np.float32),
            "compound_prompts_text.1": (rng.standard_normal((k, w)) * 0.02).astype(np.float32),
            "compound_prompt_projections.0.weight": rng.standard_normal((896, w)).astype(np.float32),
            "compound_prompt_projections.0.bias": rng.standard_normal(896).astype(np.float32),
            "compound_prompt_projections.1.weight": rng.standard_normal((896, w)).astype(np.float32),
            "compound_prompt_projections.1.bias": rng.standard_normal(896).astype(np.float32),
            "token_prefix_pos": rng.standard_normal((1, 1, 1, w)).astype(np.float32),
            "tokenized_prompts_pos": rng.integers(0, 49408, (1, 1, 77)).astype(np.int64),
        }
        np.savez(folder + "/checkpoint.npz", **a)
        for name in ["ctx_pos", "ctx_neg", "compound_prompts_text.0", "compound_prompts_text.1"]:
            a[name].astype("<f4").tofile(folder + "/" + name + ".bin")
        del a["ctx_neg"]
        np.savez(folder + "/bad.npz", **a)
        """

    @Test func convertedNpzLoadsAsLearnedPrompts() throws {
        guard let scratch = try ConversionScratch.withPython() else { return }
        let width = try FixtureModels.load().openCLIP.architecture.textWidth
        try scratch.makeInputs(width: width)

        let output = scratch.path("prompts.safetensors")
        let run = try scratch.python([Self.script.path, "--from-npz", scratch.path("checkpoint.npz"),
                                      "-o", output, "--width", "\(width)"])
        try #require(run.status == 0, "converter failed (\(run.status)): \(run.stderr)")
        #expect(run.stdout.contains("3 tokens x width \(width)"), "summary: \(run.stdout)")
        #expect(run.stdout.contains("deep prompts: 2 (2 tokens each"), "summary: \(run.stdout)")

        let file = try SafeTensorsFile(path: output)
        #expect(file.metadata == ["format": "anomalyclip-prompts", "source": "checkpoint.npz"])
        #expect(file.names == ["compound_prompts_text.0", "compound_prompts_text.1", "ctx_neg", "ctx_pos"])
        #expect(file.tensors.values.allSatisfy { $0.dtype == .f32 })
        #expect(try file.info("ctx_pos").shape == [1, 1, 3, width])
        #expect(try file.info("ctx_neg").shape == [1, 1, 3, width])
        #expect(try file.info("compound_prompts_text.1").shape == [2, width])

        let prompts = try LearnedPrompts.load(path: output, width: width)
        #expect(prompts.width == width)
        #expect(prompts.contextLength == 3)
        #expect(prompts.normalContext == (try scratch.floats("ctx_pos.bin")))
        #expect(prompts.anomalousContext == (try scratch.floats("ctx_neg.bin")), "fp16 → fp32 cast")
        #expect(prompts.deepPrompts.count == 2)
        #expect(prompts.deepPrompts == [try scratch.floats("compound_prompts_text.0.bin"),
                                        try scratch.floats("compound_prompts_text.1.bin")])

        // Kept projections are still a file the loader accepts (it ignores them).
        let withProjections = scratch.path("with-projections.safetensors")
        let kept = try scratch.python([Self.script.path, "--from-npz", scratch.path("checkpoint.npz"),
                                       "-o", withProjections, "--keep-projections"])
        try #require(kept.status == 0, "converter failed (\(kept.status)): \(kept.stderr)")
        #expect(try SafeTensorsFile(path: withProjections).tensors["compound_prompt_projections.1.weight"]?.shape
                == [896, width])
        let reloaded = try LearnedPrompts.load(path: withProjections, width: width)
        #expect(reloaded.normalContext == prompts.normalContext)
        #expect(reloaded.deepPrompts == prompts.deepPrompts)
    }

    @Test func badInputExitsWithStatus2() throws {
        guard let scratch = try ConversionScratch.withPython() else { return }
        let width = try FixtureModels.load().openCLIP.architecture.textWidth
        try scratch.makeInputs(width: width)

        let output = scratch.path("bad.safetensors")
        let missing = try scratch.python([Self.script.path, "--from-npz", scratch.path("bad.npz"), "-o", output])
        #expect(missing.status == 2, "stderr: \(missing.stderr)")
        #expect(missing.stderr.contains("ctx_neg"), "stderr: \(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output), "no output on bad input")

        let wrongWidth = try scratch.python([Self.script.path, "--from-npz", scratch.path("checkpoint.npz"),
                                             "-o", output, "--width", "\(width + 1)"])
        #expect(wrongWidth.status == 2, "stderr: \(wrongWidth.stderr)")
        #expect(wrongWidth.stderr.contains("[1, 1, 3, \(width)]"), "stderr: \(wrongWidth.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}

/// A temporary folder (removed on deinit) and a python3 runner.
private final class ConversionScratch {
    let directory: URL

    /// nil (after printing a note) when python3 with numpy is not available.
    static func withPython() throws -> ConversionScratch? {
        let scratch = try ConversionScratch()
        let probe = try? scratch.python(["-c", "import numpy"])
        guard let probe, probe.status == 0 else {
            print("PromptConversionScriptTests: skipped, python3 with numpy not available"
                  + (probe.flatMap { $0.stderr.split(separator: "\n").last.map { " (\($0))" } } ?? ""))
            return nil
        }
        try #require(FileManager.default.fileExists(atPath: PromptConversionScriptTests.script.path),
                     "converter not found at \(PromptConversionScriptTests.script.path)")
        return scratch
    }

    private init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("prompt-conversion-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func makeInputs(width: Int) throws {
        let run = try python(["-c", PromptConversionScriptTests.makeInputs, directory.path, "\(width)"])
        try #require(run.status == 0, "writing the .npz failed: \(run.stderr)")
    }

    /// Raw little-endian float32 values written by numpy's `tofile`.
    func floats(_ name: String) throws -> [Float] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(name)))
        return data.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    /// Runs `python3 ARGS` from PATH; stdout and stderr go through files so neither pipe can fill up.
    func python(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let id = UUID().uuidString.prefix(8)
        let outURL = directory.appendingPathComponent("stdout-\(id)")
        let errURL = directory.appendingPathComponent("stderr-\(id)")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer { try? out.close(); try? err.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus,
                String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }
}
