/// The bias add of a linear layer, run on a tile of the product right after it is computed.
enum BiasEpilogue {
    /// `row[j] += bias[j]` for `count` values, eight lanes at a time.
    @inline(__always)
    static func add(_ bias: UnsafePointer<Float>, to row: UnsafeMutablePointer<Float>, count: Int) {
        let lanes = FastExp.lanes
        let body = count - count % lanes
        var j = 0
        while j < body {
            FastExp.store(FastExp.load(row + j) + FastExp.load(bias + j), row + j)
            j += lanes
        }
        for t in body..<count { row[t] += bias[t] }
    }
}
