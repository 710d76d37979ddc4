import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where one tensor lives in a safetensors file, validated against the file so later reads cannot go out of bounds.
public struct SafeTensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: SafeTensorDType
    public let shape: [Int]
    /// Byte range relative to the start of the data section (just after the header), as stored in the file.
    public let dataOffsets: Range<Int>

    /// Number of elements; the reader has already checked that this product does not overflow.
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A memory-mapped, fully validated safetensors checkpoint, so weights are read without copying the file
/// and every malformed file fails at open time with an actionable `EngineError`.
///
/// Immutable after `init`, hence safe to share across threads. The file must not be truncated by another
/// process while it is open (that would fault on access, as with any mapping).
public final class SafeTensorsFile: @unchecked Sendable {
    /// Headers larger than this are rejected before any allocation; real headers are a few hundred KB at most.
    static let maxHeaderBytes = 100_000_000

    public let path: String
    /// The `__metadata__` string map (empty when absent).
    public let metadata: [String: String]
    public let tensors: [String: SafeTensorInfo]
    /// Tensor names in sorted order, for deterministic iteration and messages.
    public var names: [String] { sortedNames }

    private let sortedNames: [String]
    private let base: UnsafeRawPointer
    private let mappedLength: Int
    /// A file mapping (not an anonymous copy), whose pages can be handed back after reading.
    private let fileBacked: Bool
    /// Offset of the data section in the file: 8 + header length.
    private let dataStart: Int

    /// Maps and validates the whole file; throws `EngineError` only.
    public convenience init(path: String) throws {
        let (base, length) = try Self.map(path: path)
        try self.init(mapping: base, length: length, path: path, fileBacked: true)
    }

    /// Validates an in-memory checkpoint exactly as `init(path:)` validates a file (same errors,
    /// with `name` as their path), for checkpoints kept outside the file system. The bytes are
    /// copied into a private anonymous mapping so reads and `deinit` work as for a file.
    public convenience init(bytes: [UInt8], name: String) throws {
        let (base, length) = try Self.map(bytes: bytes, name: name)
        try self.init(mapping: base, length: length, path: name, fileBacked: false)
    }

    /// Takes ownership of a mapping of `length` bytes: parses it, or unmaps it and rethrows.
    private init(mapping base: UnsafeRawPointer, length: Int, path: String, fileBacked: Bool) throws(EngineError) {
        let file = UnsafeRawBufferPointer(start: base, count: length)
        let parsed: Header
        do {
            parsed = try Self.parseHeader(file, path: path)
        } catch {
            munmap(UnsafeMutableRawPointer(mutating: base), length)
            throw error
        }
        self.path = path
        self.base = base
        self.mappedLength = length
        self.fileBacked = fileBacked
        self.dataStart = parsed.dataStart
        self.metadata = parsed.metadata
        self.tensors = parsed.tensors
        self.sortedNames = parsed.tensors.keys.sorted()
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), mappedLength)
    }

    // MARK: - Lookup

    /// Looks a tensor up, failing with `.missingTensor` so callers need not handle optionals.
    public func info(_ name: String) throws -> SafeTensorInfo {
        guard let info = tensors[name] else {
            throw EngineError.missingTensor(path: path, tensor: name)
        }
        return info
    }

    /// Reads a float tensor (F32, F16 or BF16) widened to Float32 in a single pass, optionally
    /// requiring an exact shape so that a wrong checkpoint fails loudly instead of mis-indexing.
    public func floats(_ name: String, shape: [Int]? = nil) throws -> [Float] {
        let info = try info(name)
        guard info.dtype.isFloatingPoint else {
            throw EngineError.dtypeMismatch(path: path, tensor: name, expected: "F32, F16 or BF16",
                                            actual: info.dtype.rawValue)
        }
        try checkShape(info, shape)
        guard let values = SafeTensorDType.convertToFloat32(bytes(of: info), dtype: info.dtype,
                                                            count: info.elementCount) else {
            throw EngineError.dtypeMismatch(path: path, tensor: name, expected: "F32, F16 or BF16",
                                            actual: info.dtype.rawValue)
        }
        dropPages(of: info)
        return values
    }

    /// Hands the tensor's file pages back to the page cache once converted: they would otherwise
    /// count in the process's resident size (an 856 MB fp16 checkpoint on top of its fp32
    /// weights) until the file is closed. Reading again simply faults them back in. Not done for
    /// anonymous copies, whose pages `MADV_DONTNEED` would zero.
    private func dropPages(of info: SafeTensorInfo) {
        guard fileBacked else { return }
        let page = max(Int(sysconf(Int32(_SC_PAGESIZE))), 1)
        let begin = (dataStart + info.dataOffsets.lowerBound) / page * page
        let end = min((dataStart + info.dataOffsets.upperBound + page - 1) / page * page, mappedLength)
        guard end > begin else { return }
        madvise(UnsafeMutableRawPointer(mutating: base + begin), end - begin, MADV_DONTNEED)
    }

    /// Reads an integer tensor (I32, or I64 whose values all fit in Int32, as PyTorch saves token ids).
    public func int32s(_ name: String, shape: [Int]? = nil) throws -> [Int32] {
        let info = try info(name)
        guard info.dtype == .i32 || info.dtype == .i64 else {
            throw EngineError.dtypeMismatch(path: path, tensor: name, expected: "I32 or I64",
                                            actual: info.dtype.rawValue)
        }
        try checkShape(info, shape)
        let raw = bytes(of: info)
        let count = info.elementCount
        if info.dtype == .i32 {
            return [Int32](unsafeUninitializedCapacity: count) { dst, initialized in
                UnsafeMutableRawBufferPointer(dst).copyMemory(from: raw)
                initialized = count
            }
        }
        let path = self.path
        return try [Int32](unsafeUninitializedCapacity: count) { dst, initialized in
            for i in 0..<count {
                let wide = raw.loadUnaligned(fromByteOffset: i &* 8, as: Int64.self)
                guard let narrow = Int32(exactly: wide) else {
                    initialized = i
                    throw EngineError.dtypeMismatch(
                        path: path, tensor: name, expected: "I64 values within the Int32 range",
                        actual: "I64 value \(wide) at element \(i)")
                }
                dst.initializeElement(at: i, to: narrow)
            }
            initialized = count
        }
    }

    /// Reads a U8 tensor (masks, images) as raw bytes.
    public func uint8s(_ name: String, shape: [Int]? = nil) throws -> [UInt8] {
        let info = try info(name)
        guard info.dtype == .u8 else {
            throw EngineError.dtypeMismatch(path: path, tensor: name, expected: "U8", actual: info.dtype.rawValue)
        }
        try checkShape(info, shape)
        return [UInt8](bytes(of: info))
    }

    private func checkShape(_ info: SafeTensorInfo, _ expected: [Int]?) throws(EngineError) {
        if let expected, expected != info.shape {
            throw EngineError.shapeMismatch(path: path, tensor: info.name, expected: expected, actual: info.shape)
        }
    }

    /// The tensor's bytes inside the mapping; bounds were validated in `init`.
    private func bytes(of info: SafeTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + (dataStart + info.dataOffsets.lowerBound),
                               count: info.dataOffsets.count)
    }

    // MARK: - Mapping

    /// Opens and maps the file read-only; files shorter than the 8-byte prefix are rejected before mapping
    /// (mmap of a zero-length file fails).
    private static func map(path: String) throws(EngineError) -> (UnsafeRawPointer, Int) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw EngineError.unreadableFile(path: path, reason: "open: \(errnoDescription())")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw EngineError.unreadableFile(path: path, reason: "fstat: \(errnoDescription())")
        }
        guard (info.st_mode & mode_t(S_IFMT)) == mode_t(S_IFREG) else {
            throw EngineError.unreadableFile(path: path, reason: "not a regular file")
        }
        guard let length = Int(exactly: info.st_size) else {
            throw EngineError.unreadableFile(path: path, reason: "file size \(info.st_size) is not addressable")
        }
        guard length >= 8 else {
            throw EngineError.truncatedFile(path: path, expectedBytes: 8, actualBytes: length)
        }
        let mapped = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw EngineError.unreadableFile(path: path, reason: "mmap: \(errnoDescription())")
        }
        return (UnsafeRawPointer(mapped), length)
    }

    /// Copies `bytes` into a fresh anonymous mapping, made read-only like a file mapping; fewer
    /// than 8 bytes fail as a file that short would (an empty mapping is not possible).
    private static func map(bytes: [UInt8], name: String) throws(EngineError) -> (UnsafeRawPointer, Int) {
        let length = bytes.count
        guard length >= 8 else {
            throw EngineError.truncatedFile(path: name, expectedBytes: 8, actualBytes: length)
        }
        let mapped = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let mapped, mapped != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw EngineError.unreadableFile(path: name, reason: "mmap of \(length) bytes: \(errnoDescription())")
        }
        bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(start: mapped, count: length).copyMemory(from: $0) }
        // Best effort: a failure only leaves the private copy writable, which nothing does.
        _ = mprotect(mapped, length, PROT_READ)
        return (UnsafeRawPointer(mapped), length)
    }

    private static func errnoDescription() -> String {
        let code = errno
        return "\(String(cString: strerror(code))) (errno \(code))"
    }

    // MARK: - Header

    private struct Header {
        var dataStart: Int
        var metadata: [String: String]
        var tensors: [String: SafeTensorInfo]
    }

    private static func parseHeader(_ file: UnsafeRawBufferPointer, path: String) throws(EngineError) -> Header {
        guard file.count >= 8 else {
            throw EngineError.truncatedFile(path: path, expectedBytes: 8, actualBytes: file.count)
        }
        let declared = UInt64(littleEndian: file.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        guard declared <= UInt64(maxHeaderBytes) else {
            throw EngineError.invalidHeader(
                path: path,
                reason: "header length \(declared) bytes exceeds the \(maxHeaderBytes)-byte limit "
                    + "(file has \(file.count) bytes); is this a safetensors file?")
        }
        let headerLength = Int(declared)
        let dataStart = 8 + headerLength
        guard dataStart <= file.count else {
            throw EngineError.truncatedFile(path: path, expectedBytes: dataStart, actualBytes: file.count)
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: file[8..<dataStart])
        let root = try parseJSONObject(headerBytes, path: path)
        let dataBytes = file.count - dataStart

        var metadata: [String: String] = [:]
        var tensors: [String: SafeTensorInfo] = [:]
        for key in root.keys.sorted() {
            guard let value = root[key] else { continue }
            if key == "__metadata__" {
                metadata = try parseMetadata(value, path: path)
            } else {
                let info = try parseTensor(name: key, value, dataBytes: dataBytes, path: path)
                tensors[key] = info
            }
        }
        try checkOverlaps(tensors.values, path: path)
        return Header(dataStart: dataStart, metadata: metadata, tensors: tensors)
    }

    private static func parseJSONObject(_ bytes: UnsafeRawBufferPointer, path: String) throws(EngineError) -> [String: Any] {
        // JSONSerialization would also accept UTF-16/32; the format mandates UTF-8.
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        decoding: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid: continue
            case .emptyInput: break decoding
            case .error:
                throw EngineError.invalidHeader(path: path, reason: "header is not valid UTF-8")
            }
        }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(bytes), options: [])
        } catch {
            // Foundation puts the useful part ("Unexpected end of file…") in the debug description.
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription
            throw EngineError.invalidHeader(path: path, reason: "header is not valid JSON (\(bytes.count) bytes): \(detail)")
        }
        guard let object = json as? [String: Any] else {
            throw EngineError.invalidHeader(path: path, reason: "header is a JSON \(jsonTypeName(json)), expected an object")
        }
        return object
    }

    private static func parseMetadata(_ value: Any, path: String) throws(EngineError) -> [String: String] {
        guard let object = value as? [String: Any] else {
            throw EngineError.invalidHeader(
                path: path, reason: "'__metadata__' is a JSON \(jsonTypeName(value)), expected an object of strings")
        }
        var metadata: [String: String] = [:]
        for (key, item) in object {
            guard let string = item as? String else {
                throw EngineError.invalidHeader(
                    path: path, reason: "'__metadata__' key '\(key)' is a JSON \(jsonTypeName(item)), expected a string")
            }
            metadata[key] = string
        }
        return metadata
    }

    private static func parseTensor(name: String, _ value: Any, dataBytes: Int,
                                    path: String) throws(EngineError) -> SafeTensorInfo {
        func invalid(_ reason: String) -> EngineError {
            .invalidHeader(path: path, reason: "tensor '\(name)': \(reason)")
        }
        guard let entry = value as? [String: Any] else {
            throw invalid("entry is a JSON \(jsonTypeName(value)), expected an object")
        }
        // dtype
        guard let dtypeValue = entry["dtype"] else { throw invalid("missing field 'dtype'") }
        guard let dtypeString = dtypeValue as? String else {
            throw invalid("field 'dtype' is a JSON \(jsonTypeName(dtypeValue)), expected a string")
        }
        // shape
        guard let shapeValue = entry["shape"] else { throw invalid("missing field 'shape'") }
        guard let shapeArray = shapeValue as? [Any] else {
            throw invalid("field 'shape' is a JSON \(jsonTypeName(shapeValue)), expected an array of integers")
        }
        var shape: [Int] = []
        shape.reserveCapacity(shapeArray.count)
        for (axis, item) in shapeArray.enumerated() {
            guard let dim = integer(item) else {
                throw invalid("shape[\(axis)] is \(jsonDescription(item)), expected a non-negative integer")
            }
            guard dim >= 0 else {
                throw invalid("shape[\(axis)] is \(dim), dimensions must be non-negative")
            }
            shape.append(dim)
        }
        // data_offsets
        guard let offsetsValue = entry["data_offsets"] else { throw invalid("missing field 'data_offsets'") }
        guard let offsetsArray = offsetsValue as? [Any] else {
            throw invalid("field 'data_offsets' is a JSON \(jsonTypeName(offsetsValue)), expected [begin, end]")
        }
        guard offsetsArray.count == 2 else {
            throw invalid("field 'data_offsets' has \(offsetsArray.count) elements, expected [begin, end]")
        }
        var offsets: [Int] = []
        for (index, item) in offsetsArray.enumerated() {
            guard let offset = integer(item), offset >= 0 else {
                throw invalid("data_offsets[\(index)] is \(jsonDescription(item)), expected a non-negative integer")
            }
            offsets.append(offset)
        }
        let begin = offsets[0], end = offsets[1]

        guard let dtype = SafeTensorDType(rawValue: dtypeString) else {
            throw EngineError.unsupportedDType(path: path, tensor: name, dtype: dtypeString)
        }
        guard begin <= end, end <= dataBytes else {
            throw EngineError.tensorOutOfRange(path: path, tensor: name, begin: begin, end: end, dataBytes: dataBytes)
        }
        // shape × element size, guarding against overflow (a zero dimension makes the tensor empty).
        var expectedBytes = dtype.byteSize
        if shape.contains(0) {
            expectedBytes = 0
        } else {
            for dim in shape {
                let (product, overflow) = expectedBytes.multipliedReportingOverflow(by: dim)
                guard !overflow else {
                    throw invalid("shape \(shape) of \(dtype.rawValue) needs more bytes than Int can represent")
                }
                expectedBytes = product
            }
        }
        guard end - begin == expectedBytes else {
            throw EngineError.tensorSizeMismatch(path: path, tensor: name, expectedBytes: expectedBytes,
                                                 actualBytes: end - begin)
        }
        return SafeTensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }

    /// Rejects tensors sharing bytes; gaps between tensors are allowed by the format.
    private static func checkOverlaps(_ infos: some Collection<SafeTensorInfo>, path: String) throws(EngineError) {
        let ranges = infos.filter { !$0.dataOffsets.isEmpty }.sorted {
            ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound, $0.name)
                < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound, $1.name)
        }
        // Compare each range against the furthest-reaching one before it, which also catches containment.
        var furthest: SafeTensorInfo?
        for info in ranges {
            if let previous = furthest {
                if info.dataOffsets.lowerBound < previous.dataOffsets.upperBound {
                    throw EngineError.overlappingTensors(path: path, first: previous.name, second: info.name)
                }
                if info.dataOffsets.upperBound > previous.dataOffsets.upperBound { furthest = info }
            } else {
                furthest = info
            }
        }
    }

    /// A JSON integer as Int; nil for booleans, fractions and values beyond Int.
    private static func integer(_ value: Any) -> Int? {
        guard let number = value as? NSNumber, !isBool(number) else { return nil }
        return value as? Int
    }

    /// JSON `true`/`false` bridge to NSNumber with objCType "c" on both Linux and Darwin.
    private static func isBool(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }

    private static func jsonTypeName(_ value: Any) -> String {
        switch value {
        case is String: return "string"
        case is [Any]: return "array"
        case is [String: Any]: return "object"
        case is NSNull: return "null"
        case let number as NSNumber: return isBool(number) ? "boolean" : "number"
        default: return "\(type(of: value))"
        }
    }

    private static func jsonDescription(_ value: Any) -> String {
        switch value {
        case let string as String: return "the string \"\(string)\""
        case let number as NSNumber:
            return isBool(number) ? "the boolean \(number.boolValue)" : "\(number)"
        default: return "a JSON \(jsonTypeName(value))"
        }
    }
}
