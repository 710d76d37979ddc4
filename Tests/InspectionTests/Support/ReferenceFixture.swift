import Engine
import Foundation
import Testing

/// The reference fixture set for Inspection tests: INSPECTD_FIXTURES when set (a folder with
/// manifest.json, reference.safetensors, checkpoints, prompts and images), else the engine
/// tests' copy (model and references) plus this target's images.
final class ReferenceFixture: @unchecked Sendable {
    let directory: URL
    let imageDirectory: URL
    let manifest: [String: Any]
    let config: [String: Any]
    let reference: SafeTensorsFile
    let tolerances: [String: (atol: Double, rtol: Double, exact: Bool)]

    static let shared: Result<ReferenceFixture, Error> = Result { try ReferenceFixture() }
    static func load() throws -> ReferenceFixture { try shared.get() }

    private init() throws {
        if let override = ProcessInfo.processInfo.environment["INSPECTD_FIXTURES"], !override.isEmpty {
            directory = URL(fileURLWithPath: override)
            imageDirectory = directory
        } else {
            directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("EngineTests/Fixtures")
            guard let images = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
                throw FixtureMissing(description: "InspectionTests Fixtures bundle not found")
            }
            imageDirectory = images
        }
        let data = try Data(contentsOf: directory.appendingPathComponent("manifest.json"))
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let config = root["config"] as? [String: Any], let tensors = root["tensors"] as? [[String: Any]] else {
            throw FixtureMissing(description: "manifest.json lacks config/tensors")
        }
        manifest = root
        self.config = config
        reference = try SafeTensorsFile(path: directory.appendingPathComponent("reference.safetensors").path)
        var tol = [String: (atol: Double, rtol: Double, exact: Bool)]()
        for t in tensors {
            guard let name = t["name"] as? String else { continue }
            if let d = t["tolerance"] as? [String: Any] {
                tol[name] = ((d["atol"] as? NSNumber)?.doubleValue ?? 0, (d["rtol"] as? NSNumber)?.doubleValue ?? 0, false)
            } else {
                tol[name] = (0, 0, true)
            }
        }
        tolerances = tol
    }

    func path(_ file: String) -> String { directory.appendingPathComponent(file).path }
    func imagePath(_ file: String) -> String { imageDirectory.appendingPathComponent(file).path }

    var imageFiles: [String] {
        (manifest["images"] as? [[String: Any]] ?? []).compactMap { $0["file"] as? String }
    }

    /// The "preprocessing" table: one row per (input tensor, image) with tensor, image,
    /// original_wh, resized_wh, crop_left_top and crop_size.
    var preprocessing: [[String: Any]] { manifest["preprocessing"] as? [[String: Any]] ?? [] }

    /// The input tensors the preprocessing table names, in first-seen order.
    var preprocessedInputs: [String] {
        var seen = Set<String>()
        return preprocessing.compactMap { $0["tensor"] as? String }.filter { seen.insert($0).inserted }
    }

    /// `name` itself when the manifest lists it and reference.safetensors holds it; otherwise an
    /// error naming the tensor, so a fixture set that lacks it fails with a clear reason.
    func listed(_ name: String) throws -> String {
        guard tolerances[name] != nil, reference.tensors[name] != nil else {
            throw FixtureMissing(description: "\(directory.path): no reference tensor \(name)")
        }
        return name
    }

    /// The open_clip-preprocessed inputs at the model's input size (`input.s<image_size>`).
    var input: String { get throws { try listed("input.s\(try int("image_size"))") } }

    func int(_ key: String) throws -> Int {
        guard let v = config[key] as? NSNumber else { throw FixtureMissing(description: "config.\(key)") }
        return v.intValue
    }

    func ints(_ key: String) throws -> [Int] {
        guard let v = config[key] as? [NSNumber] else { throw FixtureMissing(description: "config.\(key)") }
        return v.map(\.intValue)
    }

    func double(_ key: String) throws -> Double {
        guard let v = config[key] as? NSNumber else { throw FixtureMissing(description: "config.\(key)") }
        return v.doubleValue
    }

    /// Image `i` of an [images, …] float tensor.
    func slice(_ name: String, _ i: Int) throws -> [Float] {
        let shape = try reference.info(name).shape
        let size = shape.dropFirst().reduce(1, *)
        return Array(try reference.floats(name)[(i * size)..<((i + 1) * size)])
    }

    /// The manifest's tolerance rule: max|a − r| ≤ atol + rtol·max|r| ("exact": bit-identical).
    func check(_ name: String, _ actual: [Float], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = try reference.floats(name)
        guard let tol = tolerances[name] else {
            Issue.record("no tolerance for \(name)", sourceLocation: sourceLocation)
            return
        }
        guard actual.count == expected.count else {
            Issue.record("\(name): \(actual.count) values, reference has \(expected.count)", sourceLocation: sourceLocation)
            return
        }
        var worst = 0.0
        var at = 0
        var maxRef = 0.0
        for i in expected.indices {
            let d = abs(Double(actual[i]) - Double(expected[i]))
            if d > worst || d.isNaN { worst = d; at = i }
            maxRef = max(maxRef, abs(Double(expected[i])))
        }
        let bound = tol.exact ? 0 : tol.atol + tol.rtol * maxRef
        print("parity \(name): max|diff| \(worst) (bound \(tol.exact ? "exact" : "\(bound)"))")
        #expect(worst <= bound, "\(name): max |diff| \(worst) at \(at) (got \(actual[at]), ref \(expected[at])) > \(bound)",
                sourceLocation: sourceLocation)
    }
}

struct FixtureMissing: Error, CustomStringConvertible {
    let description: String
}
