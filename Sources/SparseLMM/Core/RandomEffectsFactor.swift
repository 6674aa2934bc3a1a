/// The factor-update core shared by linear and generalized linear mixed models:
///
///     P (Λθ' Z'WZ Λθ + I) P' = L L'
///
/// The symbolic analysis (fill-reducing permutation P, elimination tree, supernodes) is done
/// once. The matrix handed to CHOLMOD is stored already permuted, in the triangle CHOLMOD's
/// numeric factorisation reads without copying (lower for supernodal, upper for simplicial), and
/// re-analysed with the natural order; a precomputed index map scatters each block of Λ'Z'WZΛ
/// straight into its value array. So a new θ costs the rescaling (one small product per block of
/// Z'WZ) and CHOLMOD's numeric factorisation — nothing of size n (design-notes.md).
///
/// Everything that multiplies by L works in the permuted coordinates; `permuted(from:)` and
/// `original(from:)` convert. Not thread-safe: one fit per instance at a time.
public final class RandomEffectsFactor {
    let pattern: CrossProductPattern
    /// Each term's covariance factor.
    public let covariance: [CovarianceFactor]
    let context: CholmodContext
    private(set) var matrix: SymmetricSparseMatrix
    private(set) var cholesky: SparseCholesky
    /// perm[k] = the original random-effect index of row k of L.
    let perm: [Int32]
    /// invPerm[i] = the row of L of original random effect i.
    let invPerm: [Int32]
    /// For each pair of Z'WZ, where its first entry's destinations start in `dest`.
    var destStart: [Int]
    /// Destination (index into the matrix's values) of every stored entry of every block pair.
    private var dest: [Int32]
    /// For every stored entry of every block pair (the enumeration of `dest`), its position in the
    /// supernodal factor's values — where the selected inverse keeps (A⁻¹) for that entry.
    private var entryFactorPosition: [Int32] = []
    /// The selected inverse of the last factorisation (L's layout), when computed.
    private(set) var selectedInverse: [Double] = []
    /// Offset of each term's parameters in θ.
    public let thetaOffset: [Int]
    /// Every term's current λ (k × k, column-major), side by side: term t's starts at lambdaStart[t].
    private var lambdaFlat: [Double]
    private let lambdaStart: [Int]
    private var product: [Double]
    /// Number of random effects q.
    public var q: Int { pattern.q }
    /// Number of covariance parameters.
    public let thetaCount: Int

    /// Analyses the structure of Z'Z for `terms`.
    /// - Parameters:
    ///   - kind: simplicial, supernodal, or CHOLMOD's choice.
    ///   - ordering: a fill-reducing ordering of the random effects, or CHOLMOD's.
    init(pattern: CrossProductPattern, covariance: [CovarianceFactor], kind: FactorKind = .automatic,
         ordering: SparseCholesky.Ordering = .fewestFlops) throws {
        self.pattern = pattern
        self.covariance = covariance
        let context = CholmodContext(kind: kind)
        self.context = context
        var off = [Int](), t = 0
        for c in covariance { off.append(t); t += c.parameterCount }
        thetaOffset = off
        thetaCount = t
        var lstarts = [0]
        for c in covariance { lstarts.append(lstarts.last! + c.size * c.size) }
        lambdaStart = lstarts
        lambdaFlat = [Double](repeating: 0, count: lstarts.last!)
        let kmax = covariance.map { $0.size }.max() ?? 1
        product = [Double](repeating: 0, count: kmax * kmax * 2)

        // entries of every block pair, in original coordinates (row ≤ column)
        let q = pattern.q
        var entryRow = [Int32](), entryCol = [Int32]()
        var starts = [Int]()
        entryRow.reserveCapacity(pattern.values.count)
        entryCol.reserveCapacity(pattern.values.count)
        for p in 0..<pattern.pairCount {
            starts.append(entryRow.count)
            let b1 = Int(pattern.pairFirst[p]), b2 = Int(pattern.pairSecond[p])
            let k1 = pattern.k[Int(pattern.blockTerm[b1])], k2 = pattern.k[Int(pattern.blockTerm[b2])]
            let i0 = pattern.firstColumn(ofBlock: b1), j0 = pattern.firstColumn(ofBlock: b2)
            let diagonal = b1 == b2
            for c in 0..<k2 {
                for r in 0..<k1 where !diagonal || r >= c {
                    let i = i0 + r, j = j0 + c
                    entryRow.append(Int32(min(i, j)))
                    entryCol.append(Int32(max(i, j)))
                }
            }
        }
        starts.append(entryRow.count)
        destStart = starts

        // analysis 1: CHOLMOD's fill-reducing ordering on the pattern
        let natural = (0..<q).map { Int32($0) }
        let (p0, i0, _) = RandomEffectsFactor.compress(rows: entryRow, cols: entryCol, n: q, rowMap: natural, colMap: natural, lower: false)
        let patternMatrix = try SymmetricSparseMatrix(n: q, columnPointers: p0, rowIndices: i0, triangle: .upper, context: context)
        let first = try SparseCholesky(analyzing: patternMatrix, ordering: ordering)
        let permutation = first.permutation
        let supernodal = first.isSupernodal
        // the symbolic analysis predicts the factor's size: refuse clearly rather than be killed
        let factorBytes = first.factorEntries * 8
        let otherBytes = Double(entryRow.count) * 28 + Double(pattern.values.count) * 8
        let available = MemoryInfo.availableBytes()
        if factorBytes + otherBytes > 0.9 * available {
            throw ModelError.insufficientMemory(neededBytes: factorBytes + otherBytes, availableBytes: available,
                                                factorEntries: first.factorEntries)
        }
        perm = permutation
        var inv = [Int32](repeating: 0, count: q)
        for (k, i) in permutation.enumerated() { inv[Int(i)] = Int32(k) }
        invPerm = inv

        // analysis 2: the permuted matrix in the triangle the numeric factorisation reads in place
        let (p1, i1, d1) = RandomEffectsFactor.compress(rows: entryRow, cols: entryCol, n: q, rowMap: inv, colMap: inv, lower: supernodal)
        matrix = try SymmetricSparseMatrix(n: q, columnPointers: p1, rowIndices: i1, triangle: supernodal ? .lower : .upper, context: context)
        dest = d1
        let savedKind = context.factorKind
        context.factorKind = supernodal ? .supernodal : .simplicial
        cholesky = try SparseCholesky(analyzing: matrix, ordering: .natural)
        context.factorKind = savedKind
    }

    /// Compressed-column form of the entries (row, col) mapped by rowMap/colMap into the lower
    /// (or upper) triangle, rows sorted within each column; also each entry's position.
    static func compress(rows: [Int32], cols: [Int32], n: Int, rowMap: [Int32], colMap: [Int32], lower: Bool)
        -> (pointers: [Int32], indices: [Int32], position: [Int32]) {
        let m = rows.count
        var r = [Int32](repeating: 0, count: m), c = [Int32](repeating: 0, count: m)
        for e in 0..<m {
            let a = rowMap[Int(rows[e])], b = colMap[Int(cols[e])]
            if lower { r[e] = max(a, b); c[e] = min(a, b) } else { r[e] = min(a, b); c[e] = max(a, b) }
        }
        var pointers = [Int32](repeating: 0, count: n + 1)
        for e in 0..<m { pointers[Int(c[e]) + 1] += 1 }
        for j in 0..<n { pointers[j + 1] += pointers[j] }
        // counting sort by row, then stable placement by column: rows end up sorted per column
        var rowCount = [Int](repeating: 0, count: n + 1)
        for e in 0..<m { rowCount[Int(r[e]) + 1] += 1 }
        for i in 0..<n { rowCount[i + 1] += rowCount[i] }
        var byRow = [Int32](repeating: 0, count: m)
        for e in 0..<m { byRow[rowCount[Int(r[e])]] = Int32(e); rowCount[Int(r[e])] += 1 }
        var next = pointers.map { Int($0) }
        var indices = [Int32](repeating: 0, count: m)
        var position = [Int32](repeating: 0, count: m)
        for s in 0..<m {
            let e = Int(byRow[s])
            let j = Int(c[e])
            indices[next[j]] = r[e]
            position[e] = Int32(next[j])
            next[j] += 1
        }
        return (pointers, indices, position)
    }

    /// Computes the selected inverse of A = Λ'Z'WZΛ + I at the current factorisation: (A⁻¹) on the
    /// pattern of L, which contains the pattern of Z'Z (needs a supernodal factor).
    func computeSelectedInverse() throws {
        try cholesky.selectedInverse(into: &selectedInverse)
        if entryFactorPosition.isEmpty {
            var positions = [Int32]()
            positions.reserveCapacity(dest.count)
            for p in 0..<pattern.pairCount {
                let b1 = Int(pattern.pairFirst[p]), b2 = Int(pattern.pairSecond[p])
                let k1 = pattern.k[Int(pattern.blockTerm[b1])], k2 = pattern.k[Int(pattern.blockTerm[b2])]
                let i0 = pattern.firstColumn(ofBlock: b1), j0 = pattern.firstColumn(ofBlock: b2)
                let diagonal = b1 == b2
                for c in 0..<k2 {
                    for r in 0..<k1 where !diagonal || r >= c {
                        let a = Int(invPerm[i0 + r]), b = Int(invPerm[j0 + c])
                        positions.append(Int32(cholesky.position(row: max(a, b), column: min(a, b)) ?? -1))
                    }
                }
            }
            entryFactorPosition = positions
        }
    }

    /// Runs `body` with the entries of A⁻¹ of the last `computeSelectedInverse`, read through
    /// buffers (no array access per entry in the gradient's loops).
    func withInverseEntries<R>(_ body: (InverseEntries) throws -> R) rethrows -> R {
        try selectedInverse.withUnsafeBufferPointer { inverse in
            try entryFactorPosition.withUnsafeBufferPointer { position in
                try destStart.withUnsafeBufferPointer { start in
                    try body(InverseEntries(inverse: inverse, position: position, start: start))
                }
            }
        }
    }

    /// A view of A⁻¹ on the entries of Z'Z's block pairs (valid inside `withInverseEntries`).
    struct InverseEntries {
        let inverse: UnsafeBufferPointer<Double>
        let position: UnsafeBufferPointer<Int32>
        let start: UnsafeBufferPointer<Int>

        /// (A⁻¹) at entry (r, c) of block pair p (r a column of its first block, c of its second;
        /// for a diagonal pair any r, c).
        @inline(__always) func entry(pair p: Int, row r: Int, column c: Int, k1: Int, diagonal: Bool) -> Double {
            let local: Int
            if diagonal {
                let (rr, cc) = r >= c ? (r, c) : (c, r)
                local = cc * k1 - cc * (cc - 1) / 2 + (rr - cc)
            } else {
                local = r + c * k1
            }
            return inverse[Int(position[start[p] + local])]
        }
    }

    /// Whether the factor is supernodal.
    public var isSupernodal: Bool { cholesky.isSupernodal }
    /// Entries of L.
    public var factorEntries: Double { cholesky.factorEntries }
    /// The Cholesky factor (for statistics).
    public var choleskyFactor: SparseCholesky { cholesky }
    /// Stored entries of Z'Z (one triangle).
    public var crossProductEntries: Int { matrix.nnz }
    /// The fill-reducing permutation (new → original).
    public var permutation: [Int32] { perm }

    /// Sets λ of every term from θ.
    func setTheta(_ theta: UnsafeBufferPointer<Double>) {
        lambdaFlat.withUnsafeMutableBufferPointer { l in
            for (t, c) in covariance.enumerated() {
                c.fill(theta.baseAddress! + thetaOffset[t], into: l.baseAddress! + lambdaStart[t])
            }
        }
    }

    /// Rescales the current Z'WZ blocks by the current λ into the CHOLMOD matrix:
    /// block (B₁, B₂) ↦ λ_{t₁}' V λ_{t₂}. Pairs of scalar terms are a single multiplication.
    func rescale() {
        let x = matrix.values
        let lambdaStart = self.lambdaStart
        pattern.values.withUnsafeBufferPointer { v in
            dest.withUnsafeBufferPointer { d in
                destStart.withUnsafeBufferPointer { ds in
                    pattern.pairOffset.withUnsafeBufferPointer { po in
                        pattern.pairFirst.withUnsafeBufferPointer { pf in
                            pattern.pairSecond.withUnsafeBufferPointer { ps in
                                pattern.blockTerm.withUnsafeBufferPointer { bt in
                                    lambdaFlat.withUnsafeBufferPointer { lam in
                                        product.withUnsafeMutableBufferPointer { tmp in
                                            pattern.k.withUnsafeBufferPointer { kk in
                                                for p in 0..<pf.count {
                                                    let t1 = Int(bt[Int(pf[p])]), t2 = Int(bt[Int(ps[p])])
                                                    let k1 = kk[t1], k2 = kk[t2]
                                                    let vo = po[p]
                                                    let l1 = lambdaStart[t1], l2 = lambdaStart[t2]
                                                    if k1 == 1 && k2 == 1 {
                                                        x[Int(d[ds[p]])] = lam[l1] * lam[l2] * v[vo]
                                                        continue
                                                    }
                                                    // tmp = V λ₂ (k₁ × k₂); then λ₁' tmp, entry by entry
                                                    for c in 0..<k2 {
                                                        for r in 0..<k1 {
                                                            var s = 0.0
                                                            for m in c..<k2 { s += v[vo + r + m * k1] * lam[l2 + m + c * k2] }
                                                            tmp[r + c * k1] = s
                                                        }
                                                    }
                                                    let diagonal = pf[p] == ps[p]
                                                    var e = ds[p]
                                                    for c in 0..<k2 {
                                                        for r in 0..<k1 where !diagonal || r >= c {
                                                            var s = 0.0
                                                            for m in r..<k1 { s += lam[l1 + m + r * k1] * tmp[m + c * k1] }
                                                            x[Int(d[e])] = s
                                                            e += 1
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Sets θ, rescales and refactorises: L L' = P(Λ'Z'WZΛ + I)P'.
    public func update(theta: UnsafeBufferPointer<Double>) throws {
        generation &+= 1
        setTheta(theta)
        rescale()
        try cholesky.factorize(matrix, shift: 1)
    }

    /// Counts the `update` calls, so that blocks derived from L can tell whether they are current.
    private(set) var generation = 0

    /// Whether L holds a numeric factorisation (the last `update` succeeded).
    var isFactorized: Bool { cholesky.isFactorized }

    /// A copy of the current factorisation's values (nil for a simplicial factor).
    public func snapshot() -> [Double]? { cholesky.numericValues() }

    /// Whether a `snapshot()` (of this factor, or of another built from the same design) fits
    /// this factor's layout, so that `restore` may take it.
    public func canRestore(_ snapshot: [Double]) -> Bool { cholesky.canRestore(snapshot) }

    /// Makes L the factorisation a `snapshot()` of this factor holds (blocks derived from the
    /// present L become stale: this counts as an update). λ is left as it is.
    public func restore(_ snapshot: [Double]) {
        generation &+= 1
        cholesky.restoreNumericValues(snapshot)
    }

    /// log det(Λ'Z'WZΛ + I) (lme4's ldL2).
    public var logDeterminant: Double { cholesky.logDeterminant }

    /// dst (permuted, q × m) = P Λ' src (src in original coordinates, q × m, column-major).
    func lambdaTransposePermuted(_ src: UnsafeBufferPointer<Double>, columns m: Int, into dst: UnsafeMutableBufferPointer<Double>) {
        let q = pattern.q
        lambdaFlat.withUnsafeBufferPointer { lam in
        for t in 0..<covariance.count {
            let k = pattern.k[t], cs = pattern.columnStart[t], l = lam.baseAddress! + lambdaStart[t]
            for a in 0..<pattern.levels[t] {
                let base = cs + a * k
                for j in 0..<m {
                    for r in 0..<k {
                        var s = 0.0
                        for c in r..<k { s += l[c + r * k] * src[base + c + j * q] }
                        dst[Int(invPerm[base + r]) + j * q] = s
                    }
                }
            }
        }
        }
    }

    /// dst (original, q) = Λ P' src (src permuted): b = Λ u from the permuted solution.
    func lambdaFromPermuted(_ src: UnsafeBufferPointer<Double>, into dst: UnsafeMutableBufferPointer<Double>) {
        for t in 0..<covariance.count {
            let k = pattern.k[t], cs = pattern.columnStart[t], l = lambda(ofTerm: t)
            for a in 0..<pattern.levels[t] {
                let base = cs + a * k
                for r in 0..<k {
                    var s = 0.0
                    for c in 0...r { s += l[r + c * k] * src[Int(invPerm[base + c])] }
                    dst[base + r] = s
                }
            }
        }
    }

    /// dst (original) = P' src (src permuted).
    func original(from src: UnsafeBufferPointer<Double>, into dst: UnsafeMutableBufferPointer<Double>) {
        for i in 0..<pattern.q { dst[i] = src[Int(invPerm[i])] }
    }

    /// Solves L X = B in place (B permuted, q × m).
    func solveL(_ b: UnsafeMutablePointer<Double>, columns m: Int) throws {
        try cholesky.solve(.l, b, nrhs: m)
    }

    /// Solves L' X = B in place (B permuted, q × m).
    func solveLt(_ b: UnsafeMutablePointer<Double>, columns m: Int) throws {
        try cholesky.solve(.lt, b, nrhs: m)
    }

    /// Current λ of term t.
    func lambda(ofTerm t: Int) -> [Double] { Array(lambdaFlat[lambdaStart[t]..<lambdaStart[t + 1]]) }
}

extension RandomEffectsFactor {
    /// b = Λ u for u in the original order (uses the current λ).
    func lambdaTimes(_ u: [Double], into b: inout [Double]) {
        for t in 0..<covariance.count {
            let k = pattern.k[t], cs = pattern.columnStart[t], l = lambda(ofTerm: t)
            for a in 0..<pattern.levels[t] {
                let base = cs + a * k
                for r in 0..<k {
                    var s = 0.0
                    for c in 0...r { s += l[r + c * k] * u[base + c] }
                    b[base + r] = s
                }
            }
        }
    }

    /// Sets λ from θ without refactoring (for computing b = Λu at a given θ).
    public func setParameters(_ theta: [Double]) {
        theta.withUnsafeBufferPointer { setTheta($0) }
    }
}

extension RandomEffectsFactor {
    /// b = Λ u for u in the original order, with the current λ.
    public func lambda(_ u: [Double]) -> [Double] {
        var b = [Double](repeating: 0, count: q)
        lambdaTimes(u, into: &b)
        return b
    }
}
