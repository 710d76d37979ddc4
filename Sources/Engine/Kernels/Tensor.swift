/// A row-major Float32 buffer with a shape. Weights are converted into one of these once at
/// load and never mutated afterwards; scratch tensors belong to a single inference call.
/// A class (not an Array) so hot loops can work on a stable pointer without copy-on-write checks.
public final class Tensor: @unchecked Sendable {
    /// Dimensions, outermost first.
    public let shape: [Int]
    /// Owned storage; `count` equals the product of `shape`.
    public let storage: UnsafeMutableBufferPointer<Float>

    /// A zero-filled tensor.
    public init(zeros shape: [Int]) {
        self.shape = shape
        let count = shape.reduce(1, *)
        storage = .allocate(capacity: max(count, 1))
        storage.initialize(repeating: 0)
        self.count = count
    }

    /// A tensor holding `values`; `values.count` must equal the product of `shape`.
    public init(shape: [Int], values: [Float]) throws {
        let count = shape.reduce(1, *)
        guard count == values.count else {
            throw EngineError.invalidArgument(
                name: "values", reason: "shape \(shape) needs \(count) values, got \(values.count)")
        }
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(count, 1))
        buffer.initialize(repeating: 0)
        _ = buffer.update(fromContentsOf: values)
        self.shape = shape
        self.storage = buffer
        self.count = count
    }

    deinit { storage.deallocate() }

    /// Number of elements.
    public let count: Int

    /// Start of the storage (never nil: allocation is at least one element).
    @inline(__always) public var pointer: UnsafeMutablePointer<Float> {
        storage.baseAddress.unsafelyUnwrapped
    }

    /// A copy of the values, for tests and serialisation.
    public var values: [Float] { Array(storage.prefix(count)) }
}
