import Foundation

/// Writes small safetensors files (test fixtures, exported tensors) in the same layout as the reference
/// Python implementation, so the reader can be exercised on files we fully control.
public enum SafeTensorsWriter {
    /// One tensor to write: raw little-endian element bytes plus the dtype and shape that describe them.
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var dtype: SafeTensorDType
        public var shape: [Int]
        public var data: [UInt8]

        public init(name: String, dtype: SafeTensorDType, shape: [Int], data: [UInt8]) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.data = data
        }

        /// The common case of storing Float32 values without spelling out their bytes.
        public static func float32(_ name: String, shape: [Int], _ values: [Float]) -> Entry {
            Entry(name: name, dtype: .f32, shape: shape, data: values.withUnsafeBytes { [UInt8]($0) })
        }
    }

    /// Writes `entries` contiguously in the given order after a JSON header padded with spaces to a multiple
    /// of 8 bytes (so the data section is 8-byte aligned). `__metadata__` is emitted only when non-empty.
    /// Throws `.invalidArgument` for bad names/shapes or an unwritable path, `.tensorSizeMismatch` when an
    /// entry's byte count disagrees with its shape.
    public static func write(_ entries: [Entry], metadata: [String: String] = [:], to path: String) throws {
        let bytes = try encode(entries, metadata: metadata, path: path)
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw EngineError.invalidArgument(name: "path", reason: "cannot write \(path): \(error)")
        }
    }

    /// The exact bytes `write` would put in a file, for callers that keep checkpoints in memory
    /// (e.g. prompts stored in a database). Same validation as `write`; a `.tensorSizeMismatch`
    /// names the path `"<memory>"`.
    public static func encode(_ entries: [Entry], metadata: [String: String] = [:]) throws -> [UInt8] {
        try encode(entries, metadata: metadata, path: memoryPath)
    }

    /// What errors from `encode(_:metadata:)` give as the path, since there is no file.
    static let memoryPath = "<memory>"

    /// Shared by `write` and `encode`; `path` only labels errors.
    private static func encode(_ entries: [Entry], metadata: [String: String], path: String) throws(EngineError) -> [UInt8] {
        var header: [String: Any] = [:]
        if !metadata.isEmpty {
            header["__metadata__"] = metadata
        }
        var offset = 0
        for entry in entries {
            guard entry.name != "__metadata__" else {
                throw EngineError.invalidArgument(name: "entries", reason: "'__metadata__' is reserved, not a tensor name")
            }
            guard header[entry.name] == nil else {
                throw EngineError.invalidArgument(name: "entries", reason: "duplicate tensor name '\(entry.name)'")
            }
            guard entry.shape.allSatisfy({ $0 >= 0 }) else {
                throw EngineError.invalidArgument(
                    name: "entries", reason: "tensor '\(entry.name)' has negative dimension in shape \(entry.shape)")
            }
            let expected = try byteCount(entry)
            guard expected == entry.data.count else {
                throw EngineError.tensorSizeMismatch(path: path, tensor: entry.name, expectedBytes: expected,
                                                     actualBytes: entry.data.count)
            }
            header[entry.name] = [
                "dtype": entry.dtype.rawValue,
                "shape": entry.shape,
                "data_offsets": [offset, offset + entry.data.count],
            ] as [String: Any]
            offset += entry.data.count
        }

        let json: Data
        do {
            json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes])
        } catch {
            throw EngineError.invalidArgument(name: "entries", reason: "cannot encode the header as JSON: \(error)")
        }
        let padding = (8 - json.count % 8) % 8
        let headerLength = json.count + padding

        var bytes = [UInt8]()
        bytes.reserveCapacity(8 + headerLength + offset)
        withUnsafeBytes(of: UInt64(headerLength).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: json)
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))
        for entry in entries {
            bytes.append(contentsOf: entry.data)
        }
        return bytes
    }

    private static func byteCount(_ entry: Entry) throws(EngineError) -> Int {
        if entry.shape.contains(0) { return 0 }
        var bytes = entry.dtype.byteSize
        for dim in entry.shape {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: dim)
            guard !overflow else {
                throw EngineError.invalidArgument(
                    name: "entries", reason: "tensor '\(entry.name)' shape \(entry.shape) is too large")
            }
            bytes = product
        }
        return bytes
    }
}
