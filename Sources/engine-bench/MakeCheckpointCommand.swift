import ArgumentParser
import Engine
import Foundation

/// `engine-bench make-checkpoint --arch vitb16|vitl14_336 --out DIR`: a random-weight,
/// full-size fp16 checkpoint of a real architecture in open_clip naming
/// (`DIR/model.safetensors` + `DIR/config.json`), for trying the daemon at real size without
/// downloading weights. Its verdicts mean nothing; its shapes and costs are real.
struct MakeCheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make-checkpoint",
        abstract: "Write a random-weight full-size fp16 checkpoint (open_clip naming) and its config.json.")

    /// The architectures offered.
    enum Arch: String, ExpressibleByArgument, CaseIterable {
        case vitb16
        case vitl14_336

        var architecture: CLIPArchitecture {
            switch self {
            case .vitb16: return .vitB16
            case .vitl14_336: return .vitL14at336
            }
        }
    }

    @Option(help: "Architecture: vitb16 (ViT-B/16 @224, ~300 MB) or vitl14_336 (ViT-L/14 @336, ~856 MB).")
    var arch: Arch

    @Option(help: "Folder to write model.safetensors and config.json into (created if missing).")
    var out: String

    @Option(help: "Seed of the random weights.")
    var seed: UInt64 = 2024

    func run() throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let path = URL(fileURLWithPath: out).appendingPathComponent("model.safetensors").path
        let start = BenchSupport.now()
        try RandomCheckpointFile.write(arch.architecture, to: path, seed: seed)
        let bytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        BenchSupport.emit(BenchSupport.jsonLine([
            "case": "make_checkpoint", "arch": arch.rawValue, "path": path,
            "megabytes": BenchSupport.round3(Double(bytes) / 1e6),
            "seconds": BenchSupport.round3(BenchSupport.now() - start),
        ]))
    }
}
