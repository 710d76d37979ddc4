import Engine

extension DefectClassifier {
    /// Equal-length vectors in one row-major buffer, so that every product the classifier needs
    /// (features × text weights, Gram matrices, queries × cache keys) is a single BLAS call.
    /// Encodes as `{"width": E, "rows": [[...]]}` so saved classifiers stay readable.
    struct Rows: Sendable, Equatable, Codable {
        /// Length of every row.
        let width: Int
        /// Number of rows.
        private(set) var count: Int
        /// `count * width` values, row after row.
        private(set) var values: [Float]

        init(width: Int) {
            self.width = width
            self.count = 0
            self.values = []
        }

        /// Rows taken as they are; callers validate lengths first.
        init(width: Int, count: Int, values: [Float]) {
            self.width = width
            self.count = count
            self.values = values
        }

        /// Checks and L2-normalises `vectors`: CLIP features are compared by cosine, so a wrong
        /// length, a non-finite value or a zero vector is an input error, not something to guess.
        static func normalised(_ vectors: [[Float]], width: Int, item: String) throws -> Rows {
            var rows = Rows(width: width)
            rows.values.reserveCapacity(vectors.count * width)
            for (index, vector) in vectors.enumerated() {
                guard vector.count == width else {
                    throw InspectionError.invalidLabel(
                        item: "\(item)[\(index)]", reason: "has dimension \(vector.count), expected \(width)")
                }
                guard vector.allSatisfy(\.isFinite) else {
                    throw InspectionError.invalidLabel(item: "\(item)[\(index)]", reason: "contains a non-finite value")
                }
                // Scaling by the largest magnitude first keeps the squared norm from overflowing.
                let largest = vector.reduce(Float(0)) { max($0, abs($1)) }
                let unit = largest > 0 ? VectorMath.normalized(vector.map { $0 / largest }) : vector
                guard largest > 0, unit.allSatisfy(\.isFinite) else {
                    throw InspectionError.invalidLabel(
                        item: "\(item)[\(index)]", reason: "is a zero vector, which has no direction")
                }
                rows.values.append(contentsOf: unit)
                rows.count += 1
            }
            return rows
        }

        /// Row `index` as an array.
        func row(_ index: Int) -> [Float] {
            Array(values[(index * width) ..< ((index + 1) * width)])
        }

        /// The rows as nested arrays.
        var arrays: [[Float]] { (0 ..< count).map(row) }

        /// Row-major `[count, other.count]` dot products `self · otherᵀ`.
        func products(with other: Rows) -> [Float] {
            var out = [Float](repeating: 0, count: count * other.count)
            guard count > 0, other.count > 0, width > 0, width == other.width else { return out }
            values.withUnsafeBufferPointer { a in
                other.values.withUnsafeBufferPointer { b in
                    out.withUnsafeMutableBufferPointer { c in
                        guard let pa = a.baseAddress, let pb = b.baseAddress, let pc = c.baseAddress else { return }
                        BLAS.gemm(transB: true, m: count, n: other.count, k: width,
                                  a: pa, lda: width, b: pb, ldb: width, c: pc, ldc: other.count)
                    }
                }
            }
            return out
        }

        /// `base + coefficients · self`, where `coefficients` is row-major `[rows, count]`: turns
        /// the probe's per-sample coefficients back into weights over the embedding.
        func combination(_ coefficients: [Float], rows: Int, adding base: Rows) -> Rows {
            var out = base.values
            guard rows > 0, count > 0, width > 0, base.count == rows, base.width == width,
                  coefficients.count == rows * count else { return base }
            coefficients.withUnsafeBufferPointer { a in
                values.withUnsafeBufferPointer { b in
                    out.withUnsafeMutableBufferPointer { c in
                        guard let pa = a.baseAddress, let pb = b.baseAddress, let pc = c.baseAddress else { return }
                        BLAS.gemm(m: rows, n: width, k: count, a: pa, lda: count, b: pb, ldb: width,
                                  beta: 1, c: pc, ldc: width)
                    }
                }
            }
            return Rows(width: width, count: rows, values: out)
        }

        private enum CodingKeys: String, CodingKey {
            case width, rows
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let width = try container.decode(Int.self, forKey: .width)
            let rows = try container.decode([[Float]].self, forKey: .rows)
            guard width >= 0, rows.allSatisfy({ $0.count == width && $0.allSatisfy(\.isFinite) }) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .rows, in: container, debugDescription: "every row needs \(width) finite values")
            }
            self.init(width: width, count: rows.count, values: rows.flatMap { $0 })
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(width, forKey: .width)
            try container.encode(arrays, forKey: .rows)
        }
    }
}
