import CSparseShim

/// A sparse Cholesky factorisation P (A + βI) P' = L L' over CHOLMOD: the symbolic analysis
/// (fill-reducing ordering, elimination tree, supernodes) is done once; `factorize(_:shift:)`
/// recomputes the numeric values for new values on the same pattern as often as needed.
///
/// Owns its `cholmod_factor` and solve workspace and frees them in `deinit`. Not thread-safe:
/// use it from one thread at a time, like the `CholmodContext` it was made with.
public final class SparseCholesky {
    /// How the fill-reducing ordering is chosen.
    public enum Ordering: Sendable {
        /// CHOLMOD's default strategy (AMD, and METIS/NESDIS when AMD fills badly), postordered.
        case automatic
        /// AMD, METIS and CHOLMOD's nested dissection (NESDIS) all tried; the one whose factor needs
        /// the fewest flops is kept. Crossed designs of medium size (InstEval) factor about 30%
        /// faster with a nested-dissection ordering than with AMD.
        case fewestFlops
        /// The identity: the matrix is factorised in the order given (use for pre-permuted input).
        case natural
        /// A caller-supplied permutation (0-based, new-to-old), postordered by CHOLMOD.
        case given([Int32])
    }

    /// The linear systems `solve` handles (CHOLMOD's `sys` codes).
    public enum System: Int32, Sendable {
        /// A x = b, with A the factorised (shifted) matrix.
        case a = 0
        /// L x = b.
        case l = 4
        /// L' x = b.
        case lt = 5
        /// x = P b.
        case p = 7
        /// x = P' b.
        case pt = 8
    }

    let context: CholmodContext
    let factor: UnsafeMutablePointer<cholmod_factor>
    private var solveX: UnsafeMutablePointer<cholmod_dense>? = nil
    private var solveY: UnsafeMutablePointer<cholmod_dense>? = nil
    private var solveE: UnsafeMutablePointer<cholmod_dense>? = nil
    /// Order of the factorised matrix.
    public let n: Int
    /// Whether a numeric factorisation has succeeded since the last failure.
    public private(set) var isFactorized = false

    /// Symbolic analysis of `pattern` (its values are not read).
    public init(analyzing pattern: SymmetricSparseMatrix, ordering: Ordering = .automatic) throws {
        context = pattern.context
        n = pattern.n
        let common = context.common
        let savedMethods = common.pointee.nmethods
        let savedOrdering = common.pointee.method.0.ordering
        let savedPostorder = common.pointee.postorder
        defer {
            common.pointee.nmethods = savedMethods
            common.pointee.method.0.ordering = savedOrdering
            common.pointee.postorder = savedPostorder
        }
        var result: UnsafeMutablePointer<cholmod_factor>?
        switch ordering {
        case .automatic:
            result = cholmod_analyze(pattern.sparse, common)
        case .fewestFlops:
            common.pointee.nmethods = 3
            result = cholmod_analyze(pattern.sparse, common)
        case .natural:
            common.pointee.nmethods = 1
            common.pointee.method.0.ordering = CHOLMOD_NATURAL
            common.pointee.postorder = 0
            result = cholmod_analyze(pattern.sparse, common)
        case .given(let perm):
            precondition(perm.count == pattern.n, "the permutation must have one entry per row")
            common.pointee.nmethods = 1
            common.pointee.method.0.ordering = CHOLMOD_GIVEN
            var p = perm
            result = p.withUnsafeMutableBufferPointer { cholmod_analyze_p(pattern.sparse, $0.baseAddress, nil, 0, common) }
        }
        guard let f = result else {
            try context.check(0, "cholmod_analyze")
            throw LinearAlgebraError.cholmod(status: common.pointee.status, call: "cholmod_analyze")
        }
        factor = f
    }

    deinit {
        let common = context.common
        var f: UnsafeMutablePointer<cholmod_factor>? = factor
        cholmod_free_factor(&f, common)
        cholmod_free_dense(&solveX, common)
        cholmod_free_dense(&solveY, common)
        cholmod_free_dense(&solveE, common)
    }

    /// The fill-reducing permutation: row k of L corresponds to row `permutation[k]` of A.
    public var permutation: [Int32] {
        let p = factor.pointee.Perm.assumingMemoryBound(to: Int32.self)
        return (0..<n).map { p[$0] }
    }

    /// Whether CHOLMOD chose (or was told to use) a supernodal factor.
    public var isSupernodal: Bool { csshim_factor_is_super(factor) != 0 }

    /// Entries of L (for a supernodal factor, of its dense supernodal blocks).
    public var factorEntries: Double { csshim_factor_nnz(factor) }

    /// Number of supernodes, and the columns and rows of the widest (zeros for a simplicial factor).
    public var supernodeStatistics: (count: Int, widestColumns: Int, widestRows: Int) {
        var ns: Int32 = 0, c: Int32 = 0, r: Int32 = 0
        csshim_factor_supernode_stats(factor, &ns, &c, &r)
        return (Int(ns), Int(c), Int(r))
    }

    /// Floating-point operations of one numeric factorisation, from the analysis.
    public var flopsPerFactorization: Double { csshim_common_fl(context.common) }

    /// Numeric factorisation of A + shift·I on the analysed pattern. A failed factorisation
    /// (not positive definite) throws and leaves the object ready for another attempt.
    public func factorize(_ a: SymmetricSparseMatrix, shift: Double = 0) throws {
        precondition(a.n == n)
        isFactorized = false
        let ok = csshim_factorize_shifted(a.sparse, shift, factor, context.common)
        if ok == 0 {
            let status = context.common.pointee.status
            if status == CHOLMOD_NOT_POSDEF || (status >= CHOLMOD_OK && factor.pointee.minor < n) {
                throw LinearAlgebraError.notPositiveDefinite(column: Int(factor.pointee.minor))
            }
            try context.check(0, "cholmod_factorize_p")
        }
        isFactorized = true
    }

    /// log det(A + βI) = log det(L L') from the diagonal of the last factorisation.
    public var logDeterminant: Double { csshim_factor_logdet(factor) }

    /// Solves `system` for the n × nrhs column-major right-hand side in `b`, overwriting it.
    /// Workspace is allocated on the first call and reused by later calls of the same shape.
    public func solve(_ system: System, _ b: UnsafeMutablePointer<Double>, nrhs: Int) throws {
        precondition(isFactorized, "solve called without a successful factorisation")
        var header = cholmod_dense(nrow: n, ncol: nrhs, nzmax: n * nrhs, d: n, x: UnsafeMutableRawPointer(b),
                                   z: nil, xtype: CHOLMOD_REAL, dtype: CHOLMOD_DOUBLE)
        let ok = cholmod_solve2(system.rawValue, factor, &header, nil, &solveX, nil, &solveY, &solveE, context.common)
        try context.check(ok, "cholmod_solve2")
        guard let x = solveX else { throw LinearAlgebraError.cholmod(status: context.common.pointee.status, call: "cholmod_solve2") }
        b.update(from: x.pointee.x.assumingMemoryBound(to: Double.self), count: n * nrhs)
    }

    /// Convenience: solves `system` for the right-hand sides in `b` (n × nrhs, column-major).
    public func solve(_ system: System, _ b: inout [Double], nrhs: Int = 1) throws {
        precondition(b.count == n * nrhs)
        try b.withUnsafeMutableBufferPointer { try solve(system, $0.baseAddress!, nrhs: nrhs) }
    }

    /// The selected inverse of the factorised matrix on L's pattern (Takahashi's equations, computed
    /// supernode by supernode): entry (i, j), i ≥ j, of (L L')⁻¹ is `values[position(row: i, column: j)]`.
    /// Needs a supernodal factor in its natural order (as `RandomEffectsFactor` builds it).
    public func selectedInverse(into values: inout [Double]) throws {
        precondition(isFactorized, "selected inversion needs a factorisation")
        guard isSupernodal else { throw LinearAlgebraError.cholmod(status: -4, call: "selected inverse of a simplicial factor") }
        let size = Int(csshim_factor_xsize(factor))
        if values.count != size { values = [Double](repeating: 0, count: size) }
        let status = values.withUnsafeMutableBufferPointer { csshim_supernodal_selected_inverse(factor, $0.baseAddress!) }
        if status < 0 { throw LinearAlgebraError.outOfMemory(call: "selected inverse") }
    }

    /// A copy of a supernodal factor's numeric values (nil for a simplicial factor, whose
    /// storage may move between factorisations, or when there is no factorisation).
    public func numericValues() -> [Double]? {
        guard isFactorized, isSupernodal else { return nil }
        let size = Int(csshim_factor_xsize(factor))
        return Array(UnsafeBufferPointer(start: factor.pointee.x.assumingMemoryBound(to: Double.self), count: size))
    }

    /// Whether `values` (from `numericValues()` of this factor or of one with the same analysis)
    /// fit this factor's layout; a factor that has never been factorised gets room for its
    /// values here.
    public func canRestore(_ values: [Double]) -> Bool {
        guard isSupernodal, values.count == Int(csshim_factor_xsize(factor)) else { return false }
        return csshim_factor_allocate_values(factor, context.common) != 0
    }

    /// Puts back values taken by `numericValues()` from this factor (same analysis): the factor
    /// is then that factorisation again, without refactoring.
    public func restoreNumericValues(_ values: [Double]) {
        precondition(isSupernodal && values.count == Int(csshim_factor_xsize(factor)) && factor.pointee.x != nil,
                     "values of another factor, or a factor without values (see canRestore)")
        values.withUnsafeBufferPointer { src in
            factor.pointee.x.assumingMemoryBound(to: Double.self).update(from: src.baseAddress!, count: src.count)
        }
        factor.pointee.minor = n
        isFactorized = true
    }

    /// Position of entry (row, column), row ≥ column, in the values of L (and of the selected
    /// inverse); nil when it is not in L's pattern.
    public func position(row: Int, column: Int) -> Int? {
        let p = csshim_supernodal_position(factor, Int32(row), Int32(column))
        return p < 0 ? nil : Int(p)
    }

    /// The diagonal of L (length n), in the factor's (permuted) order.
    public func diagonal() -> [Double] {
        var d = [Double](repeating: 0, count: n)
        let f = factor.pointee
        let x = f.x.assumingMemoryBound(to: Double.self)
        if f.is_super != 0 {
            let sup = f.super.assumingMemoryBound(to: Int32.self)
            let pi = f.pi.assumingMemoryBound(to: Int32.self)
            let px = f.px.assumingMemoryBound(to: Int32.self)
            for s in 0..<Int(f.nsuper) {
                let k1 = Int(sup[s]), k2 = Int(sup[s + 1])
                let nsrow = Int(pi[s + 1] - pi[s])
                let base = Int(px[s])
                for j in 0..<(k2 - k1) { d[k1 + j] = x[base + j * nsrow + j] }
            }
        } else {
            let p = f.p.assumingMemoryBound(to: Int32.self)
            for j in 0..<n { d[j] = f.is_ll != 0 ? x[Int(p[j])] : x[Int(p[j])].squareRoot() }
        }
        return d
    }
}
