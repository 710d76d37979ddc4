#if _endian(big)
#error("The safetensors reader assumes a little-endian host: tensor bytes are reinterpreted in place.")
#endif

/// The element types a checkpoint may store; anything else (FP8, quantised blocks…) is rejected up front
/// so callers never see half-understood data.
public enum SafeTensorDType: String, Sendable, CaseIterable {
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"
    case i32 = "I32"
    case i64 = "I64"
    case u8 = "U8"

    /// Bytes per element, needed to check that `data_offsets` agree with the shape.
    public var byteSize: Int {
        switch self {
        case .f32, .i32: return 4
        case .f16, .bf16: return 2
        case .i64: return 8
        case .u8: return 1
        }
    }

    /// Whether the engine can widen this dtype to Float32 for computation.
    public var isFloatingPoint: Bool {
        switch self {
        case .f32, .f16, .bf16: return true
        case .i32, .i64, .u8: return false
        }
    }

    // MARK: - Conversion

    /// Widens IEEE 754 binary16 bits to Float32 exactly (subnormals, ±0, ±inf and NaN payloads included)
    /// without depending on the `Float16` type, which is unavailable on some targets.
    @inlinable
    public static func float(fromFloat16Bits h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1F
        var mantissa = UInt32(h & 0x03FF)
        if exponent == 0x1F {
            // Inf (mantissa 0) or NaN (payload kept in the top mantissa bits).
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        if exponent != 0 {
            // Normal: rebias 15 -> 127.
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
        if mantissa == 0 {
            return Float(bitPattern: sign)
        }
        // Subnormal half: value = mantissa * 2^-24. Normalise so the leading 1 becomes implicit;
        // every half subnormal is a normal Float32.
        var biased: UInt32 = 113  // 127 - 15 + 1, the exponent if bit 10 were already set
        while mantissa & 0x0400 == 0 {
            mantissa <<= 1
            biased -= 1
        }
        mantissa &= 0x03FF
        return Float(bitPattern: sign | (biased << 23) | (mantissa << 13))
    }

    /// Widens bfloat16 bits to Float32; bfloat16 is by definition the top half of a Float32.
    @inlinable
    public static func float(fromBFloat16Bits b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }

    /// Converts `count` little-endian elements of a float dtype to Float32 in one pass, reading
    /// unaligned memory safely (tensor offsets inside a safetensors file need not be aligned).
    /// Returns nil for non-float dtypes. `bytes` must hold at least `count * byteSize` bytes.
    static func convertToFloat32(_ bytes: UnsafeRawBufferPointer, dtype: SafeTensorDType, count: Int) -> [Float]? {
        guard dtype.isFloatingPoint, count >= 0, bytes.count >= count * dtype.byteSize else { return nil }
        return [Float](unsafeUninitializedCapacity: count) { dst, initialized in
            switch dtype {
            case .f32:
                UnsafeMutableRawBufferPointer(dst).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: bytes[0..<(count * 4)]))
                initialized = count
            case .f16:
                for i in 0..<count {
                    let bits = bytes.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self)
                    dst.initializeElement(at: i, to: float(fromFloat16Bits: bits))
                }
                initialized = count
            case .bf16:
                for i in 0..<count {
                    let bits = bytes.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self)
                    dst.initializeElement(at: i, to: float(fromBFloat16Bits: bits))
                }
                initialized = count
            case .i32, .i64, .u8:
                initialized = 0  // excluded by the guard
            }
        }
    }
}
