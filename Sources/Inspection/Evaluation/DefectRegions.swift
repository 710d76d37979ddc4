/// Connected defect regions of a ground-truth mask, the unit PRO averages over. Uses
/// 8-connectivity like the MVTec AD evaluation (`scipy.ndimage.label` with a 3×3 structure),
/// so a diagonal scratch is one defect, not a string of single pixels.
struct DefectRegions {
    /// `regionOfPixel` value of a normal (non-defect) pixel.
    static let normal = -1

    /// Per pixel (row-major): the region id, or `normal`.
    var regionOfPixel: [Int]
    /// Pixel count of each region, indexed by `id - firstRegion`.
    var sizes: [Int]

    /// Labels `mask` (row-major `width × height`, `mask.count == width * height`); ids start
    /// at `firstRegion` so several images share one id space.
    static func label(mask: [Bool], width: Int, height: Int, firstRegion: Int) -> DefectRegions {
        var regionOfPixel = [Int](repeating: normal, count: mask.count)
        var sizes: [Int] = []
        var stack: [Int] = []
        for seed in mask.indices where mask[seed] && regionOfPixel[seed] == normal {
            let id = firstRegion + sizes.count
            var size = 0
            regionOfPixel[seed] = id
            stack.append(seed)
            // Iterative flood fill: a large defect must not overflow the call stack.
            while let pixel = stack.popLast() {
                size += 1
                let x = pixel % width
                let y = pixel / width
                for ny in max(y - 1, 0)...min(y + 1, height - 1) {
                    for nx in max(x - 1, 0)...min(x + 1, width - 1) {
                        let neighbour = ny * width + nx
                        if mask[neighbour], regionOfPixel[neighbour] == normal {
                            regionOfPixel[neighbour] = id
                            stack.append(neighbour)
                        }
                    }
                }
            }
            sizes.append(size)
        }
        return DefectRegions(regionOfPixel: regionOfPixel, sizes: sizes)
    }
}
