/// How a large product is cut into tiles for the engine's workers: about four tiles per worker
/// so a core slowed by another process does not hold the others back, tiles of at least 128
/// rows and columns where the product allows (single-threaded sgemm keeps its full rate), and
/// a tile of C of at most 1 MiB so the epilogue finds it in L2.
struct GemmTiling: Sendable {
    /// Rows per tile (the last may be shorter).
    let rowStep: Int
    /// Columns per tile (the last may be shorter).
    let columnStep: Int
    /// Rows and columns of the whole product.
    let m: Int, n: Int
    /// Tiles along the rows and along the columns.
    let rowTiles: Int, columnTiles: Int

    init(m: Int, n: Int, k: Int, workers: Int, threshold: Int) {
        self.m = m
        self.n = n
        if workers <= 1 || m * n * k < threshold || m == 0 || n == 0 {
            (rowStep, columnStep, rowTiles, columnTiles) = (max(m, 1), max(n, 1), 1, 1)
            return
        }
        let target = workers * 4
        // Columns first (each column tile packs its share of the weights once), then rows.
        let columnTiles = min(target, max(1, n / 128))
        let columnStep = ((n + columnTiles - 1) / columnTiles + 15) / 16 * 16
        let actualColumnTiles = (n + columnStep - 1) / columnStep
        let wantedRows = max(1, (target + actualColumnTiles - 1) / actualColumnTiles)
        let rowBudget = max(128, (1 << 18) / columnStep)
        let rowTiles = max(min(max(1, m / 128), wantedRows), (m + rowBudget - 1) / rowBudget)
        let rowStep = ((m + rowTiles - 1) / rowTiles + 15) / 16 * 16
        self.rowStep = rowStep
        self.columnStep = columnStep
        self.rowTiles = (m + rowStep - 1) / rowStep
        self.columnTiles = actualColumnTiles
    }

    /// Number of tiles.
    var count: Int { rowTiles * columnTiles }

    /// Rows and columns of tile `index` (row-major over the tile grid).
    func tile(_ index: Int) -> (Range<Int>, Range<Int>) {
        let r = index / columnTiles
        let c = index % columnTiles
        let rows = (r * rowStep)..<min(m, (r + 1) * rowStep)
        let columns = (c * columnStep)..<min(n, (c + 1) * columnStep)
        return (rows, columns)
    }
}
