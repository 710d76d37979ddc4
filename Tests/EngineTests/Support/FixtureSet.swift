import Engine
import Foundation
import Testing

/// A reference fixture folder (manifest.json + reference.safetensors + checkpoints), either the
/// copy bundled with the tests or the folder named by INSPECTD_FIXTURES, so another fixture set
/// generated the same way (other architecture, sizes, prompt design) runs through the same tests.
final class FixtureSet: @unchecked Sendable {
    let directory: URL
    let manifest: [String: Any]
    let config: [String: Any]
    let reference: SafeTensorsFile
    private let tolerances: [String: Tolerance]

    struct Tolerance: CustomStringConvertible {
        var atol: Double
        var rtol: Double
        var exact: Bool
        var description: String { exact ? "exact" : "atol \(atol) rtol \(rtol)" }
    }

    /// Loaded once per test process.
    static let shared: Result<FixtureSet, Error> = Result { try FixtureSet(directory: locate()) }

    static func load() throws -> FixtureSet { try shared.get() }

    static func locate() throws -> URL {
        if let override = ProcessInfo.processInfo.environment["INSPECTD_FIXTURES"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw FixtureError("bundled Fixtures folder not found")
        }
        return url
    }

    init(directory: URL) throws {
        self.directory = directory
        let data = try Data(contentsOf: directory.appendingPathComponent("manifest.json"))
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let config = root["config"] as? [String: Any],
              let tensors = root["tensors"] as? [[String: Any]] else {
            throw FixtureError("\(directory.path)/manifest.json lacks config or tensors")
        }
        manifest = root
        self.config = config
        reference = try SafeTensorsFile(path: directory.appendingPathComponent("reference.safetensors").path)
        var tol = [String: Tolerance]()
        for t in tensors {
            guard let name = t["name"] as? String else { continue }
            if let dict = t["tolerance"] as? [String: Any] {
                tol[name] = Tolerance(atol: (dict["atol"] as? NSNumber)?.doubleValue ?? 0,
                                      rtol: (dict["rtol"] as? NSNumber)?.doubleValue ?? 0, exact: false)
            } else {
                tol[name] = Tolerance(atol: 0, rtol: 0, exact: true)
            }
        }
        tolerances = tol
    }

    func path(_ file: String) -> String { directory.appendingPathComponent(file).path }

    func has(_ tensor: String) -> Bool { tolerances[tensor] != nil && reference.tensors[tensor] != nil }

    func int(_ key: String) throws -> Int {
        guard let v = config[key] as? NSNumber else { throw FixtureError("manifest config.\(key) missing") }
        return v.intValue
    }

    func ints(_ key: String) throws -> [Int] {
        guard let v = config[key] as? [NSNumber] else { throw FixtureError("manifest config.\(key) missing") }
        return v.map(\.intValue)
    }

    func strings(_ key: String) throws -> [String] {
        guard let v = manifest[key] as? [String] else { throw FixtureError("manifest.\(key) missing") }
        return v
    }

    func promptDesign(_ key: String) throws -> Int {
        guard let design = config["prompt_design"] as? [String: Any], let v = design[key] as? NSNumber else {
            throw FixtureError("manifest config.prompt_design.\(key) missing")
        }
        return v.intValue
    }

    /// `name` itself when the manifest lists it and reference.safetensors holds it; otherwise a
    /// `FixtureError` naming the tensor, so a fixture set that lacks it fails with a clear reason.
    func listed(_ name: String) throws -> String {
        guard has(name) else { throw FixtureError("\(directory.path): no reference tensor \(name)") }
        return name
    }

    /// The open_clip-preprocessed inputs at the model's input size (`input.s<image_size>`).
    var input: String { get throws { try listed("input.s\(try int("image_size"))") } }

    /// The open_clip-preprocessed inputs at the alternative size (`input.s<alt_size>`).
    var alternativeInput: String { get throws { try listed("input.s\(try int("alt_size"))") } }

    /// AnomalyCLIP's squash-resized uint8 inputs at the model's input size (`input_acl_u8.s<image_size>`).
    var squashedInput: String { get throws { try listed("input_acl_u8.s\(try int("image_size"))") } }

    /// Prefix of the DPAM forward at the alternative size (`acl.dpam.s<alt_size>`).
    var alternativeDPAMPrefix: String {
        get throws {
            let prefix = "acl.dpam.s\(try int("alt_size"))"
            _ = try listed(prefix + ".positional_embedding")
            return prefix
        }
    }

    func floats(_ name: String) throws -> [Float] { try reference.floats(name) }
    func shape(_ name: String) throws -> [Int] { try reference.info(name).shape }

    /// Rows of an int32 reference tensor [rows, columns].
    func idRows(_ name: String) throws -> [[Int32]] {
        let shape = try reference.info(name).shape
        let flat = try reference.int32s(name)
        let columns = shape.last ?? 0
        return stride(from: 0, to: flat.count, by: max(columns, 1)).map { Array(flat[$0..<($0 + columns)]) }
    }

    /// Image `i` of an [images, 3, S, S] input tensor.
    func image(_ name: String, _ i: Int) throws -> [Float] {
        let shape = try reference.info(name).shape
        let size = shape.dropFirst().reduce(1, *)
        return Array(try reference.floats(name)[(i * size)..<((i + 1) * size)])
    }

    /// Checks `actual` against reference `name` with the manifest's tolerance rule:
    /// max|actual − ref| ≤ atol + rtol · max|ref|; "exact" means bit-identical.
    func check(_ name: String, _ actual: [Float], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = try reference.floats(name)
        guard let tol = tolerances[name] else {
            Issue.record("no tolerance for \(name) in the manifest", sourceLocation: sourceLocation)
            return
        }
        #expect(actual.count == expected.count, "\(name): \(actual.count) values, reference has \(expected.count)",
                sourceLocation: sourceLocation)
        guard actual.count == expected.count else { return }
        var worst = 0.0
        var worstIndex = 0
        var maxRef = 0.0
        for i in expected.indices {
            let d = abs(Double(actual[i]) - Double(expected[i]))
            if d > worst || d.isNaN { worst = d; worstIndex = i }
            maxRef = max(maxRef, abs(Double(expected[i])))
        }
        let bound = tol.exact ? 0 : tol.atol + tol.rtol * maxRef
        print("parity \(name): max|diff| \(worst) (bound \(tol.exact ? "exact" : "\(bound)"))")
        #expect(worst <= bound,
                "\(name): max |diff| \(worst) at flat index \(worstIndex) (got \(actual[worstIndex]), ref \(expected[worstIndex])) exceeds \(tol) = \(bound)",
                sourceLocation: sourceLocation)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
