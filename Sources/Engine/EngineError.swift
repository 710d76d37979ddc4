/// Every failure the numerical core reports. Each case carries the file and/or tensor it
/// concerns and the expected vs actual value, so a user can act on the message alone.
public enum EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    // MARK: safetensors container
    /// The file could not be opened, stat'ed or mapped.
    case unreadableFile(path: String, reason: String)
    /// The file is shorter than the header or the tensor data it announces.
    case truncatedFile(path: String, expectedBytes: Int, actualBytes: Int)
    /// The JSON header is malformed or has a field of the wrong type.
    case invalidHeader(path: String, reason: String)
    /// A tensor's dtype string is not one we can read.
    case unsupportedDType(path: String, tensor: String, dtype: String)
    /// A tensor's data_offsets lie outside the data section or are reversed.
    case tensorOutOfRange(path: String, tensor: String, begin: Int, end: Int, dataBytes: Int)
    /// Two tensors claim overlapping bytes.
    case overlappingTensors(path: String, first: String, second: String)
    /// A tensor's byte length does not equal shape × element size.
    case tensorSizeMismatch(path: String, tensor: String, expectedBytes: Int, actualBytes: Int)
    /// A tensor the caller needs is not in the file.
    case missingTensor(path: String, tensor: String)
    /// A tensor has a shape other than the one required.
    case shapeMismatch(path: String, tensor: String, expected: [Int], actual: [Int])
    /// A tensor's dtype cannot be read as the requested element type.
    case dtypeMismatch(path: String, tensor: String, expected: String, actual: String)

    // MARK: checkpoints
    /// Tensors in a checkpoint that the architecture does not use.
    case unexpectedTensors(path: String, names: [String])
    /// A checkpoint whose naming or shapes do not describe a CLIP model we can build.
    case invalidCheckpoint(path: String, reason: String)
    /// A model config file (HF config.json / open_clip JSON) that is malformed or inconsistent.
    case invalidConfig(path: String, field: String, reason: String)

    // MARK: tokenizer
    /// The BPE merges resource could not be read or decompressed.
    case tokenizerResource(path: String, reason: String)

    // MARK: calls
    /// A caller passed a value the engine cannot work with (wrong length, out-of-range layer…).
    case invalidArgument(name: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason):
            return "\(path): cannot read file: \(reason)"
        case let .truncatedFile(path, expected, actual):
            return "\(path): file is truncated: needs \(expected) bytes, has \(actual)"
        case let .invalidHeader(path, reason):
            return "\(path): invalid safetensors header: \(reason)"
        case let .unsupportedDType(path, tensor, dtype):
            return "\(path): tensor '\(tensor)': unsupported dtype \(dtype) (supported: F32, F16, BF16, I32, I64, U8)"
        case let .tensorOutOfRange(path, tensor, begin, end, dataBytes):
            if begin <= end {
                return "\(path): tensor '\(tensor)': data_offsets [\(begin), \(end)) run past the data section's "
                    + "\(dataBytes) bytes: the file is truncated or its header is corrupt"
            }
            return "\(path): tensor '\(tensor)': data_offsets [\(begin), \(end)) are reversed"
        case let .overlappingTensors(path, first, second):
            return "\(path): tensors '\(first)' and '\(second)' overlap in the data section"
        case let .tensorSizeMismatch(path, tensor, expected, actual):
            return "\(path): tensor '\(tensor)': shape and dtype need \(expected) bytes, data_offsets span \(actual)"
        case let .missingTensor(path, tensor):
            return "\(path): missing tensor '\(tensor)'"
        case let .shapeMismatch(path, tensor, expected, actual):
            return "\(path): tensor '\(tensor)': expected shape \(expected), got \(actual)"
        case let .dtypeMismatch(path, tensor, expected, actual):
            return "\(path): tensor '\(tensor)': expected dtype \(expected), got \(actual)"
        case let .unexpectedTensors(path, names):
            let shown = names.prefix(10).joined(separator: ", ")
            let more = names.count > 10 ? " and \(names.count - 10) more" : ""
            return "\(path): unexpected tensors not used by the model: \(shown)\(more)"
        case let .invalidCheckpoint(path, reason):
            return "\(path): not a usable CLIP checkpoint: \(reason)"
        case let .invalidConfig(path, field, reason):
            return "\(path): config field '\(field)': \(reason)"
        case let .tokenizerResource(path, reason):
            return "\(path): cannot load BPE merges: \(reason)"
        case let .invalidArgument(name, reason):
            return "invalid argument '\(name)': \(reason)"
        }
    }
}
