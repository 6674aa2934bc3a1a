import CSparseShim

/// A small dense matrix (column-major) for the inference code: products, transposes, symmetric
/// eigen-decomposition, pseudo-inverses and least squares. Not for anything of size n × q.
public struct DenseMatrix: Sendable, Equatable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// Entries, column by column.
    public var values: [Double]

    /// A rows × columns matrix with the given entries, column by column.
    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns)
        self.rows = rows; self.columns = columns; self.values = values
    }

    /// The rows × columns zero matrix.
    public init(rows: Int, columns: Int) {
        self.init(rows: rows, columns: columns, values: [Double](repeating: 0, count: rows * columns))
    }

    /// The identity.
    public static func identity(_ n: Int) -> DenseMatrix {
        var m = DenseMatrix(rows: n, columns: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    /// A matrix from rows.
    public init(rowArrays: [[Double]], columns: Int) {
        self.init(rows: rowArrays.count, columns: columns)
        for (i, r) in rowArrays.enumerated() { for j in 0..<columns { self[i, j] = r[j] } }
    }

    /// The entry in row i, column j (0-based).
    public subscript(i: Int, j: Int) -> Double {
        get { values[i + j * rows] }
        set { values[i + j * rows] = newValue }
    }

    /// Row i.
    public func row(_ i: Int) -> [Double] { (0..<columns).map { self[i, $0] } }
    /// Column j.
    public func column(_ j: Int) -> [Double] { Array(values[(j * rows)..<((j + 1) * rows)]) }

    /// The transpose.
    public var transposed: DenseMatrix {
        var t = DenseMatrix(rows: columns, columns: rows)
        for i in 0..<rows { for j in 0..<columns { t[j, i] = self[i, j] } }
        return t
    }

    /// The matrix product AB (BLAS `dgemm`).
    public static func * (a: DenseMatrix, b: DenseMatrix) -> DenseMatrix {
        precondition(a.columns == b.rows)
        var c = DenseMatrix(rows: a.rows, columns: b.columns)
        if a.rows == 0 || b.columns == 0 { return c }
        if a.columns == 0 { return c }
        a.values.withUnsafeBufferPointer { pa in
            b.values.withUnsafeBufferPointer { pb in
                c.values.withUnsafeMutableBufferPointer { pc in
                    csshim_dgemm(0, 0, Int32(a.rows), Int32(b.columns), Int32(a.columns), 1, pa.baseAddress!, Int32(a.rows),
                                 pb.baseAddress!, Int32(b.rows), 0, pc.baseAddress!, Int32(a.rows))
                }
            }
        }
        return c
    }

    /// x' A x for a square A.
    public func quadraticForm(_ x: [Double]) -> Double {
        var s = 0.0
        for i in 0..<rows { for j in 0..<columns { s += x[i] * self[i, j] * x[j] } }
        return s
    }

    /// A x.
    public func times(_ x: [Double]) -> [Double] {
        (0..<rows).map { i in (0..<columns).reduce(0) { $0 + self[i, $1] * x[$1] } }
    }

    /// Eigen-decomposition of a symmetric matrix: eigenvalues in ascending order and the
    /// eigenvectors as columns.
    public func symmetricEigen() -> (values: [Double], vectors: DenseMatrix) {
        precondition(rows == columns)
        var a = values
        var w = [Double](repeating: 0, count: rows)
        if rows > 0 {
            _ = a.withUnsafeMutableBufferPointer { pa in w.withUnsafeMutableBufferPointer { csshim_dsyev(Int32(rows), pa.baseAddress!, Int32(rows), $0.baseAddress!) } }
        }
        return (w, DenseMatrix(rows: rows, columns: rows, values: a))
    }

    /// The Moore-Penrose inverse of a symmetric matrix through its eigenvalues above `tolerance`
    /// (relative to the largest); also the number of them.
    public func symmetricPseudoInverse(relativeTolerance: Double = 1e-12, absoluteTolerance: Double = 0) -> (inverse: DenseMatrix, rank: Int) {
        let (w, v) = symmetricEigen()
        let top = w.map { abs($0) }.max() ?? 0
        var inv = DenseMatrix(rows: rows, columns: rows)
        var rank = 0
        for k in 0..<rows where w[k] > max(relativeTolerance * top, absoluteTolerance) {
            rank += 1
            for i in 0..<rows { for j in 0..<rows { inv[i, j] += v[i, k] * v[j, k] / w[k] } }
        }
        return (inv, rank)
    }

    /// Residuals of the least-squares regression of each column of `y` on the columns of `x`
    /// (R's `resid(lm.fit(x, y))`), computed through the pseudo-inverse of x'x.
    public static func leastSquaresResiduals(x: DenseMatrix, y: DenseMatrix) -> DenseMatrix {
        let xt = x.transposed
        let (g, _) = (xt * x).symmetricPseudoInverse(relativeTolerance: 1e-10)
        let beta = g * (xt * y)
        var r = y
        let fitted = x * beta
        for k in 0..<r.values.count { r.values[k] -= fitted.values[k] }
        return r
    }
}
