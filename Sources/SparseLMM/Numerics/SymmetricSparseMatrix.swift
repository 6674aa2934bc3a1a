import CSparseShim

/// A symmetric sparse matrix in CHOLMOD's compressed-column form, one triangle stored.
/// The pattern is fixed at creation; values are rewritten in place (the engine's per-θ
/// update writes straight into `values`).
public final class SymmetricSparseMatrix {
    /// Which triangle the matrix stores.
    public enum Triangle: Sendable {
        /// The entries on and above the diagonal.
        case upper
        /// The entries on and below the diagonal.
        case lower
    }

    let context: CholmodContext
    let sparse: UnsafeMutablePointer<cholmod_sparse>
    /// Order of the matrix.
    public let n: Int
    /// Number of stored entries.
    public let nnz: Int
    /// The stored triangle.
    public let triangle: Triangle

    /// Creates an n × n matrix with the given column pointers (n + 1) and sorted row indices;
    /// values start at zero. Row indices must lie in the stored triangle.
    public init(n: Int, columnPointers: [Int32], rowIndices: [Int32], triangle: Triangle, context: CholmodContext) throws {
        precondition(columnPointers.count == n + 1 && Int(columnPointers[n]) == rowIndices.count)
        self.context = context
        self.n = n
        self.nnz = rowIndices.count
        self.triangle = triangle
        guard let a = cholmod_allocate_sparse(n, n, max(1, rowIndices.count), 1, 1, triangle == .upper ? 1 : -1,
                                              CHOLMOD_REAL, context.common) else {
            throw LinearAlgebraError.outOfMemory(call: "cholmod_allocate_sparse")
        }
        sparse = a
        let p = a.pointee.p.assumingMemoryBound(to: Int32.self)
        let i = a.pointee.i.assumingMemoryBound(to: Int32.self)
        let x = a.pointee.x.assumingMemoryBound(to: Double.self)
        for k in 0...n { p[k] = columnPointers[k] }
        for k in 0..<rowIndices.count { i[k] = rowIndices[k]; x[k] = 0 }
    }

    deinit { cholmod_free_sparse_shim(sparse, context.common) }

    /// The value array (nnz entries, column by column), writable in place.
    public var values: UnsafeMutableBufferPointer<Double> {
        UnsafeMutableBufferPointer(start: sparse.pointee.x.assumingMemoryBound(to: Double.self), count: nnz)
    }

    /// Column pointers (n + 1 entries).
    public var columnPointers: UnsafeBufferPointer<Int32> {
        UnsafeBufferPointer(start: sparse.pointee.p.assumingMemoryBound(to: Int32.self), count: n + 1)
    }

    /// Row indices (nnz entries).
    public var rowIndices: UnsafeBufferPointer<Int32> {
        UnsafeBufferPointer(start: sparse.pointee.i.assumingMemoryBound(to: Int32.self), count: nnz)
    }

    /// The full symmetric matrix as a dense column-major array (for tests and small problems).
    public func dense() -> [Double] {
        var a = [Double](repeating: 0, count: n * n)
        let p = columnPointers, r = rowIndices, x = values
        for j in 0..<n {
            for k in Int(p[j])..<Int(p[j + 1]) {
                let i = Int(r[k])
                a[i + j * n] = x[k]
                a[j + i * n] = x[k]
            }
        }
        return a
    }
}

/// Frees a CHOLMOD sparse matrix (the pointer itself is owned by CHOLMOD).
@inline(__always)
func cholmod_free_sparse_shim(_ a: UnsafeMutablePointer<cholmod_sparse>, _ common: UnsafeMutablePointer<cholmod_common>) {
    var handle: UnsafeMutablePointer<cholmod_sparse>? = a
    cholmod_free_sparse(&handle, common)
}
