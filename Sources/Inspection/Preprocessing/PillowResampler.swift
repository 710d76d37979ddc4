import Dispatch
import Foundation

/// Pillow's `Image.resize((w, h), Image.BICUBIC)` on RGB8, reproduced bit for bit.
///
/// CLIP and AnomalyCLIP were trained and evaluated on images resized by Pillow, and a float
/// bicubic lands up to two uint8 steps away from it, which shows in the scores. So this follows
/// Pillow's `Resample.c` to the integer: the same separable Keys cubic (a = -0.5) whose support
/// widens with the downscale factor (antialiasing), the same per-output windows and weights
/// computed in double and normalised, the same conversion to 22-bit fixed point, the same
/// pass order (Pillow 13: horizontal first unless the height shrinks much more than the width)
/// with a uint8 clip between the passes, and a pass skipped when its axis keeps its size.
/// Checked against Pillow 13.0.0 on thousands of random sizes and images.
public enum PillowResampler {
    /// Fixed-point fraction bits: 32 bits minus 8 for the pixel and 2 headroom bits for the
    /// negative lobes (Pillow's `PRECISION_BITS`).
    static let precisionBits: Int32 = 32 - 8 - 2

    /// Work (multiply-adds) below which splitting across cores costs more than it saves.
    private static let parallelThreshold = 1 << 18

    /// Resizes the whole image to `width` x `height` exactly as Pillow's BICUBIC resize does.
    ///
    /// An unchanged size returns the pixels as they are (Pillow copies). Sizes below 1 are a
    /// caller bug; an empty source yields a black image of the requested size, since Pillow has
    /// no empty images to compare with.
    public static func resizeBicubic(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        precondition(width >= 1 && height >= 1, "PillowResampler: target size \(width)x\(height) must be positive")
        if image.width == width && image.height == height { return image }
        guard image.width >= 1, image.height >= 1 else {
            return RGBImage(width: width, height: height, pixels: [UInt8](repeating: 0, count: width * height * 3))
        }

        let needHorizontal = width != image.width
        let needVertical = height != image.height
        var vertical = Windows(inSize: image.height, outSize: height)

        // Pillow 13 runs the vertical pass first when the height shrinks by more than twice
        // as many pixels as the width does (fewer rows for the horizontal pass). The uint8
        // rounding between the passes makes the order visible, so it is mirrored exactly.
        let verticalFirst = needHorizontal && height < image.height
            && image.height - height > 2 * (image.width - width)
        if verticalFirst {
            let horizontal = Windows(inSize: image.width, outSize: width)
            let shrunk = verticalPass(image, windows: vertical)
            return horizontalPass(shrunk, rows: 0..<shrunk.height, windows: horizontal)
        }

        // Only the source rows some output row reads go through the horizontal pass.
        let firstRow = vertical.starts.first ?? 0
        let lastRow = (vertical.starts.last ?? 0) + (vertical.counts.last ?? 0)

        var current = image
        if needHorizontal {
            let horizontal = Windows(inSize: image.width, outSize: width)
            current = horizontalPass(image, rows: firstRow..<lastRow, windows: horizontal)
            for i in vertical.starts.indices { vertical.starts[i] -= firstRow }
        }
        if needVertical {
            current = verticalPass(current, windows: vertical)
        }
        return current
    }

    /// Resamples along x the source rows `rows`; row r of the result is source row `rows.lowerBound + r`.
    private static func horizontalPass(_ source: RGBImage, rows: Range<Int>, windows: Windows) -> RGBImage {
        let outWidth = windows.outSize
        let inWidth = source.width
        var output = [UInt8](repeating: 0, count: outWidth * rows.count * 3)
        source.pixels.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                windows.withPointers { starts, counts, weights in
                    guard let srcBase = src.baseAddress, let dstBase = dst.baseAddress else { return }
                    let ksize = windows.kernelSize
                    let rowOffset = rows.lowerBound
                    // Disjoint output rows per chunk; the source and tables are read-only.
                    nonisolated(unsafe) let inBase = srcBase
                    nonisolated(unsafe) let outBase = dstBase
                    nonisolated(unsafe) let firsts = starts
                    nonisolated(unsafe) let lengths = counts
                    nonisolated(unsafe) let coefficients = weights
                    let work = rows.count * outWidth * max(ksize - 1, 1) * 3
                    forEachChunk(rows.count, work: work) { chunk in
                        for r in chunk {
                            let inRow = inBase + (r + rowOffset) * inWidth * 3
                            let outRow = outBase + r * outWidth * 3
                            horizontalRow(inRow, outRow, outWidth: outWidth, kernelSize: ksize,
                                          starts: firsts, counts: lengths, weights: coefficients)
                        }
                    }
                }
            }
        }
        return RGBImage(width: outWidth, height: rows.count, pixels: output)
    }

    /// One output row of the horizontal pass, three channels at a time.
    @inline(__always)
    private static func horizontalRow(_ inRow: UnsafePointer<UInt8>, _ outRow: UnsafeMutablePointer<UInt8>,
                                      outWidth: Int, kernelSize: Int, starts: UnsafePointer<Int>,
                                      counts: UnsafePointer<Int>, weights: UnsafePointer<Int32>) {
        let half: Int32 = 1 << (precisionBits - 1)
        for xx in 0..<outWidth {
            var p = inRow + starts[xx] * 3
            let k = weights + xx * kernelSize
            var r = half, g = half, b = half
            for j in 0..<counts[xx] {
                let w = k[j]
                r &+= Int32(p[0]) &* w
                g &+= Int32(p[1]) &* w
                b &+= Int32(p[2]) &* w
                p += 3
            }
            let o = outRow + xx * 3
            o[0] = clip8(r)
            o[1] = clip8(g)
            o[2] = clip8(b)
        }
    }

    /// Resamples along y; `windows.starts` index rows of `source`.
    private static func verticalPass(_ source: RGBImage, windows: Windows) -> RGBImage {
        let rowLength = source.width * 3
        let outHeight = windows.outSize
        var output = [UInt8](repeating: 0, count: rowLength * outHeight)
        source.pixels.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                windows.withPointers { starts, counts, weights in
                    guard let srcBase = src.baseAddress, let dstBase = dst.baseAddress else { return }
                    let ksize = windows.kernelSize
                    nonisolated(unsafe) let inBase = srcBase
                    nonisolated(unsafe) let outBase = dstBase
                    nonisolated(unsafe) let firsts = starts
                    nonisolated(unsafe) let lengths = counts
                    nonisolated(unsafe) let coefficients = weights
                    let work = outHeight * rowLength * max(ksize - 1, 1)
                    forEachChunk(outHeight, work: work) { chunk in
                        // One accumulator row per chunk, reused for every output row.
                        let acc = UnsafeMutablePointer<Int32>.allocate(capacity: rowLength)
                        defer { acc.deallocate() }
                        for yy in chunk {
                            verticalRow(inBase, rowLength: rowLength, outRow: outBase + yy * rowLength,
                                        start: firsts[yy], count: lengths[yy],
                                        weights: coefficients + yy * ksize, accumulator: acc)
                        }
                    }
                }
            }
        }
        return RGBImage(width: source.width, height: outHeight, pixels: output)
    }

    /// One output row of the vertical pass: whole source rows scaled and summed, which the
    /// compiler vectorises across the row (integer sums are order-independent, so this equals
    /// Pillow's per-pixel loop).
    @inline(__always)
    private static func verticalRow(_ source: UnsafePointer<UInt8>, rowLength: Int, outRow: UnsafeMutablePointer<UInt8>,
                                    start: Int, count: Int, weights: UnsafePointer<Int32>,
                                    accumulator acc: UnsafeMutablePointer<Int32>) {
        let half: Int32 = 1 << (precisionBits - 1)
        for i in 0..<rowLength { acc[i] = half }
        for j in 0..<count {
            let w = weights[j]
            let row = source + (start + j) * rowLength
            for i in 0..<rowLength {
                acc[i] &+= Int32(row[i]) &* w
            }
        }
        for i in 0..<rowLength { outRow[i] = clip8(acc[i]) }
    }

    /// Pillow's `clip8`: drop the fraction bits (arithmetic shift) and saturate to a byte.
    @inline(__always)
    private static func clip8(_ value: Int32) -> UInt8 {
        UInt8(clamping: value >> precisionBits)
    }

    /// Runs `body` over contiguous slices of 0..<count, on all cores when the work is worth it.
    private static func forEachChunk(_ count: Int, work: Int, _ body: (Range<Int>) -> Void) {
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let chunks = work >= parallelThreshold ? min(cores, count) : 1
        guard chunks > 1 else {
            body(0..<count)
            return
        }
        // Each slice writes disjoint rows of caller-owned buffers.
        nonisolated(unsafe) let body = body
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            body((count * c / chunks)..<(count * (c + 1) / chunks))
        }
    }
}

extension PillowResampler {
    /// Per-output-pixel source windows and fixed-point weights along one axis, computed once per
    /// resize (Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc`).
    struct Windows {
        /// Output samples along the axis.
        let outSize: Int
        /// Stride between consecutive windows in `weights` (Pillow's `ksize`).
        let kernelSize: Int
        /// First source index each output sample reads.
        var starts: [Int]
        /// Number of source samples each output sample reads.
        var counts: [Int]
        /// `outSize · kernelSize` weights in 22-bit fixed point, zero past each window's count.
        var weights: [Int32]

        /// Windows for resampling the full extent `0 ..< inSize` onto `outSize` samples.
        init(inSize: Int, outSize: Int) {
            self.outSize = outSize
            // Pillow passes the box edges as C floats; for a full-image box the extent is exact.
            let extent = Double(Float(inSize) - Float(0))
            let scale = extent / Double(outSize)
            let filterScale = Swift.max(scale, 1.0)
            let support = Self.bicubicSupport * filterScale
            let ksize = Int(support.rounded(.up)) * 2 + 1
            let inverseFilterScale = 1.0 / filterScale
            kernelSize = ksize
            starts = [Int](repeating: 0, count: outSize)
            counts = [Int](repeating: 0, count: outSize)
            weights = [Int32](repeating: 0, count: outSize * ksize)

            let one = Double(Int32(1) << PillowResampler.precisionBits)
            var window = [Double](repeating: 0, count: ksize)
            for xx in 0..<outSize {
                let center = 0.0 + (Double(xx) + 0.5) * scale
                // C's (int) cast truncates toward zero; negatives clamp to 0 either way.
                let first = Swift.max(Self.truncate(center - support + 0.5), 0)
                let end = Swift.min(Self.truncate(center + support + 0.5), inSize)
                let count = Swift.min(Swift.max(end - first, 0), ksize)
                var total = 0.0
                for x in 0..<count {
                    let w = Self.bicubic((Double(x + first) - center + 0.5) * inverseFilterScale)
                    window[x] = w
                    total += w
                }
                for x in 0..<count {
                    let k = total != 0.0 ? window[x] / total : window[x]
                    // Round half away from zero, then truncate, as normalize_coeffs_8bpc does.
                    let scaled = k < 0 ? -0.5 + k * one : 0.5 + k * one
                    weights[xx * ksize + x] = Int32(Self.truncate(scaled))
                }
                starts[xx] = first
                counts[xx] = count
            }
        }

        /// Half-width of the Keys cubic before widening.
        static let bicubicSupport = 2.0

        /// Keys' cubic convolution kernel with a = -0.5, in Pillow's evaluation order.
        @inline(__always)
        static func bicubic(_ t: Double) -> Double {
            let a = -0.5
            let x = t < 0 ? -t : t
            if x < 1.0 { return ((a + 2.0) * x - (a + 3.0)) * x * x + 1 }
            if x < 2.0 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0.0
        }

        /// C's double-to-int conversion (toward zero), saturating instead of trapping on values no
        /// valid image produces.
        @inline(__always)
        static func truncate(_ value: Double) -> Int {
            guard value.isFinite else { return value > 0 ? Int(Int32.max) : (value < 0 ? Int(Int32.min) : 0) }
            let t = value.rounded(.towardZero)
            if t >= Double(Int32.max) { return Int(Int32.max) }
            if t <= Double(Int32.min) { return Int(Int32.min) }
            return Int(t)
        }

        /// Hands the tables to `body` as raw pointers for the inner loops.
        func withPointers<R>(_ body: (UnsafePointer<Int>, UnsafePointer<Int>, UnsafePointer<Int32>) -> R) -> R {
            starts.withUnsafeBufferPointer { s in
                counts.withUnsafeBufferPointer { c in
                    weights.withUnsafeBufferPointer { w in
                        // The tables are never empty: outSize >= 1 and kernelSize >= 5.
                        guard let sp = s.baseAddress, let cp = c.baseAddress, let wp = w.baseAddress else {
                            preconditionFailure("Windows: empty tables")
                        }
                        return body(sp, cp, wp)
                    }
                }
            }
        }
    }
}
