/// The matrices behind Kenward and Roger's adjustment, computed from the model's sparse factor
/// without forming anything of size n × n (see `KenwardRogerApproximation` for the method).
///
/// With the marginal covariance V = σ²Ṽ, Ṽ = I + ZTZ', T = ΛΛ' (block diagonal), the variance
/// parameters are γ_r = σ²T_t[i, j] for each term t and each (i, j) of the lower triangle of each
/// of its covariance blocks, and γ_e = σ² (pbkrtest's `get_SigmaG`), so that
///
///     V = Σ_r γ_r G_r + γ_e I,    G_r = Z D_r Z',   D_r = I_ℓ ⊗ (e_i e_j' + e_j e_i')  (i ≠ j)
///                                                         I_ℓ ⊗ e_i e_i'               (i = j)
///
/// D_r touching only term t's columns. Woodbury with the factor L L' = P C P', C = Λ'Z'ZΛ + I:
///
///     Ṽ⁻¹ = I − ZΛC⁻¹Λ'Z'.                                                      (1)
///
/// Writing S = Z'Z (sparse, q × q), Y = C⁻¹Λ'S and N = I − ΛY (so that Ṽ⁻¹Z = ZN),
///
///     F := Z'Ṽ⁻¹Z = S − SΛC⁻¹Λ'S = S N,                                         (2)
///     Z'Ṽ⁻²Z = N'S N = N'F,                                                      (3)
///     tr Ṽ⁻² = n − q + ‖C⁻¹‖²_F,    C⁻¹ = I − YΛ                                (4)
///
/// ((4) from tr(ZΛC⁻¹Λ'Z') = tr(C⁻¹(C − I)) = q − tr C⁻¹ and its square likewise). The traces
/// tr(Ṽ⁻¹G_rṼ⁻¹G_s) of the expected information are then q-dimensional:
///
///     random r, s:   tr(D_r F D_s F)  = Σ_{levels l of t, m of u} Σ F_lm[b, c] F_lm[a, d]
///                                        over (a, b) ∈ {(i, j), (j, i)}, (c, d) ∈ {(h, g), (g, h)},
///     random r, e:   tr(D_r Z'Ṽ⁻²Z)   = Σ_l Σ_{(a, b)} (N'F)_ll[b, a],
///     e, e:          tr Ṽ⁻²            from (4),
///
/// where F_lm is the k_t × k_u block of F between level l of term t and level m of term u. F is
/// dense, so these are exact traces at O(q²) work beyond the solves: F is formed panel by panel
/// (128 columns, aligned with the level blocks), each panel Y_J = C⁻¹Λ'S_J by one
/// multi-column CHOLMOD solve with L, then N_J and F_J = S N_J by sparse products; only the
/// per-term-pair Gram sums of the blocks F_lm, the diagonal blocks of N'F and ‖C⁻¹‖² are kept.
/// Memory is O(q × panel), time O(q · nnz(L)) for the solves plus O(q · nnz(S)) for the
/// products.
///
/// The fixed-effects side needs only p-column work: X̃ = Ṽ⁻¹X and X̃₂ = Ṽ⁻²X by (1) in n-space,
/// B = Z'X̃ = Z'Ṽ⁻¹X, B₂ = Z'X̃₂, and F·(D_s B) in q-space as S(y − ΛC⁻¹Λ'Sy).
struct KenwardRogerTraces {
    /// One variance parameter: term, and (row, column) within the term's columns; nil term for σ².
    struct Parameter {
        var term: Int?
        var row: Int
        var column: Int
    }

    /// The parameters in pbkrtest's order: each term's (block) lower triangle column by column, then σ².
    let parameters: [Parameter]
    /// tr(Ṽ⁻¹G_rṼ⁻¹G_s) (m × m, m = number of parameters).
    let traces: DenseMatrix
    /// X'Ṽ⁻¹G_rṼ⁻¹X for each parameter (p × p).
    let first: [DenseMatrix]
    /// X'Ṽ⁻¹G_rṼ⁻¹G_sṼ⁻¹X for r ≤ s (p × p), indexed [r][s].
    let second: [[DenseMatrix]]
    /// X'Ṽ⁻¹X (p × p).
    let information: DenseMatrix

    /// Computes everything at the factor's current θ (the caller evaluates the model at θ̂ first).
    /// - Parameter panelBudget: doubles per panel matrix (the panel width is about budget / q).
    init(system: PenalizedLeastSquares, panelBudget: Int = 1 << 21) throws {
        let pattern = system.pattern
        let factor = system.factor
        let n = system.n, p = system.p, q = system.q
        let nt = pattern.k.count
        var params = [Parameter]()
        for t in 0..<nt {
            for pos in factor.covariance[t].positions { params.append(Parameter(term: t, row: pos.row, column: pos.column)) }
        }
        params.append(Parameter(term: nil, row: 0, column: 0))
        parameters = params
        let m = params.count
        let s = SymmetricSparse(pattern: pattern)
        let ops = WoodburyOperators(pattern: pattern, factor: factor, s: s, n: n, q: q)

        // ---- fixed-effects side
        let xt = try ops.applyVInverse(system.X, columns: p)       // Ṽ⁻¹X
        let xt2 = try ops.applyVInverse(xt, columns: p)            // Ṽ⁻²X
        let b = ops.zTranspose(xt, columns: p)                     // Z'Ṽ⁻¹X
        let b2 = ops.zTranspose(xt2, columns: p)                   // Z'Ṽ⁻²X
        func crossProduct(_ a: [Double], _ c: [Double], rows: Int) -> DenseMatrix {
            var out = DenseMatrix(rows: p, columns: p)
            for i in 0..<p { for j in 0..<p {
                var acc = 0.0
                let ai = i * rows, cj = j * rows
                for k in 0..<rows { acc += a[ai + k] * c[cj + k] }
                out[i, j] = acc
            } }
            return out
        }
        information = crossProduct(system.X, xt, rows: n)
        // D_r B for each random parameter
        var db = [[Double]]()
        for r in params.dropLast() { db.append(KenwardRogerTraces.applyD(r, pattern: pattern, to: b, columns: p)) }
        let nr = m - 1
        var firstOut = [DenseMatrix]()
        for r in 0..<nr { firstOut.append(crossProduct(b, db[r], rows: q)) }
        firstOut.append(crossProduct(xt, xt, rows: n))
        first = firstOut
        // Q_rs = (D_r B)' F (D_s B), one p-column product with F per random parameter s
        var secondOut = [[DenseMatrix]](repeating: [DenseMatrix](repeating: DenseMatrix(rows: p, columns: p), count: m), count: m)
        for s2 in 0..<nr {
            let fdb = try ops.applyF(db[s2], columns: p)
            for r in 0...s2 { secondOut[r][s2] = crossProduct(db[r], fdb, rows: q) }
            secondOut[s2][m - 1] = crossProduct(db[s2], b2, rows: q)
        }
        secondOut[m - 1][m - 1] = crossProduct(xt, xt2, rows: n)
        second = secondOut

        // ---- the traces, panel by panel
        let acc = try KenwardRogerTraces.accumulateTraces(pattern: pattern, factor: factor, s: s, q: q, panelBudget: panelBudget)
        var k = DenseMatrix(rows: m, columns: m)
        func pairs(_ r: Parameter) -> [(Int, Int)] { r.row == r.column ? [(r.row, r.row)] : [(r.row, r.column), (r.column, r.row)] }
        for (ri, r) in params.enumerated() {
            guard let t = r.term else { continue }
            let kt = pattern.k[t]
            for (si, s2) in params.enumerated() where si >= ri {
                var v = 0.0
                if let u = s2.term {
                    let g = acc.gram[t * nt + u]
                    let dim = kt * pattern.k[u]
                    for (a, bb) in pairs(r) { for (c, d) in pairs(s2) {
                        v += g[(bb + c * kt) + (a + d * kt) * dim]
                    } }
                } else {
                    for (a, bb) in pairs(r) { v += acc.diagonal[t][bb + a * kt] }
                }
                k[ri, si] = v
                k[si, ri] = v
            }
        }
        k[m - 1, m - 1] = Double(n - q) + acc.cInverseNormSquared
        traces = k
    }

    /// D_r M for a q × c matrix M (original order).
    static func applyD(_ r: Parameter, pattern: CrossProductPattern, to mat: [Double], columns c: Int) -> [Double] {
        let q = pattern.q
        var out = [Double](repeating: 0, count: q * c)
        guard let t = r.term else { return mat }
        let k = pattern.k[t], cs = pattern.columnStart[t]
        for l in 0..<pattern.levels[t] {
            let base = cs + l * k
            for j in 0..<c {
                out[base + r.row + j * q] += mat[base + r.column + j * q]
                if r.row != r.column { out[base + r.column + j * q] += mat[base + r.row + j * q] }
            }
        }
        return out
    }

    struct Accumulated {
        /// For each ordered pair of terms (t, u), index t·nt + u: Σ_lm vec(F_lm) vec(F_lm)'
        /// ((k_t k_u)² entries, column-major; vec index a + c·k_t).
        var gram: [[Double]]
        /// For each term, Σ_l (N'F)_ll (k_t × k_t, column-major).
        var diagonal: [[Double]]
        /// ‖C⁻¹‖²_F.
        var cInverseNormSquared: Double
    }

    /// The panel loop of eq. (2)–(4).
    static func accumulateTraces(pattern: CrossProductPattern, factor: RandomEffectsFactor, s: SymmetricSparse, q: Int,
                                 panelBudget: Int) throws -> Accumulated {
        let nt = pattern.k.count
        var gram = (0..<(nt * nt)).map { i -> [Double] in
            let d = pattern.k[i / nt] * pattern.k[i % nt]
            return [Double](repeating: 0, count: d * d)
        }
        var diagonal = (0..<nt).map { [Double](repeating: 0, count: pattern.k[$0] * pattern.k[$0]) }
        var cNorm = 0.0
        let kmax = pattern.k.max() ?? 1
        // 128 columns measured best on InstEval (q = 4,128): wider panels gain nothing in CHOLMOD's
        // multi-column solve and lose cache locality in the products
        let target = max(kmax, min(q, min(128, panelBudget / max(q, 1))))
        // panels: whole level blocks, about `target` columns each
        var panels = [(start: Int, end: Int)]()
        var start = 0
        let blockCount = pattern.blockTerm.count
        var blockIndex = 0
        while blockIndex < blockCount {
            var end = start
            while blockIndex < blockCount && (end - start < target) {
                end += pattern.k[Int(pattern.blockTerm[blockIndex])]
                blockIndex += 1
            }
            panels.append((start, end))
            start = end
        }
        let width = panels.map { $0.end - $0.start }.max() ?? 0
        var sj = [Double](repeating: 0, count: q * width)
        var y = [Double](repeating: 0, count: q * width)
        var nmat = [Double](repeating: 0, count: q * width)
        var f = [Double](repeating: 0, count: q * width)
        var rowMajorN = [Double](repeating: 0, count: q * width), rowMajorF = [Double](repeating: 0, count: q * width)
        // the term of each column
        var columnTerm = [Int32](repeating: 0, count: q)
        for t in 0..<nt {
            let cs = pattern.columnStart[t]
            for c in cs..<(cs + pattern.levels[t] * pattern.k[t]) { columnTerm[c] = Int32(t) }
        }
        var vec = [Double](repeating: 0, count: kmax * kmax)
        for (c0, c1) in panels {
            let w = c1 - c0
            // S_J (original rows)
            s.columns(c0..<c1, into: &sj)
            // Y_J = P C⁻¹ Λ' S_J (permuted rows)
            try sj.withUnsafeBufferPointer { src in
                try y.withUnsafeMutableBufferPointer { dst in
                    factor.lambdaTransposeToPermuted(columns: src, count: w, into: dst)
                    try factor.solveL(dst.baseAddress!, columns: w)
                    try factor.solveLt(dst.baseAddress!, columns: w)
                }
            }
            // ‖C⁻¹‖²: column (m, c) of P C⁻¹ is e_{P(m,c)} − Σ_{c' ≥ c} Y[:, (m, c')] λ[c', c]
            var col = c0
            while col < c1 {
                let t = Int(columnTerm[col]), k = pattern.k[t]
                let lam = factor.lambda(ofTerm: t)
                for c in 0..<k {
                    var ss = 0.0
                    let diag = Int(factor.invPerm[col + c])
                    for row in 0..<q {
                        var v = row == diag ? 1.0 : 0.0
                        for c2 in c..<k { v -= y[row + (col - c0 + c2) * q] * lam[c2 + c * k] }
                        ss += v * v
                    }
                    cNorm += ss
                }
                col += k
            }
            // N_J = E_J − Λ P' Y_J (original rows)
            y.withUnsafeBufferPointer { src in
                nmat.withUnsafeMutableBufferPointer { dst in factor.lambdaFromPermuted(columns: src, count: w, into: dst) }
            }
            for j in 0..<(q * w) { nmat[j] = -nmat[j] }
            for j in 0..<w { nmat[c0 + j + j * q] += 1 }
            // F_J = S N_J (row by row on the transposed panel: one length-w axpy per entry of S)
            s.multiplyPanel(nmat, columns: w, rowMajor: &rowMajorN, result: &rowMajorF, into: &f)
            // the per-block sums
            col = c0
            while col < c1 {
                let u = Int(columnTerm[col]), ku = pattern.k[u]
                let jl = col - c0
                // diagonal block of N'F
                for a in 0..<ku { for b in 0..<ku {
                    var acc = 0.0
                    let na = (jl + a) * q, fb = (jl + b) * q
                    for row in 0..<q { acc += nmat[na + row] * f[fb + row] }
                    diagonal[u][a + b * ku] += acc
                } }
                // Gram sums of the blocks F_lm over the levels l of every term t
                for t in 0..<nt {
                    let kt = pattern.k[t], cs = pattern.columnStart[t]
                    let gi = t * nt + u
                    if kt == 1 && ku == 1 {
                        var acc = 0.0
                        let fb = jl * q
                        for row in cs..<(cs + pattern.levels[t]) { acc += f[fb + row] * f[fb + row] }
                        gram[gi][0] += acc
                        continue
                    }
                    let dim = kt * ku
                    gram[gi].withUnsafeMutableBufferPointer { g in
                        for l in 0..<pattern.levels[t] {
                            for c in 0..<ku { for a in 0..<kt { vec[a + c * kt] = f[cs + l * kt + a + (jl + c) * q] } }
                            for x2 in 0..<dim { let vx = vec[x2]; if vx == 0 { continue }
                                for x1 in 0..<dim { g[x1 + x2 * dim] += vec[x1] * vx } }
                        }
                    }
                }
                col += ku
            }
        }
        return Accumulated(gram: gram, diagonal: diagonal, cInverseNormSquared: cNorm)
    }
}

/// S = Z'Z as a full (both triangles) compressed-column sparse matrix, from the block pattern.
struct SymmetricSparse {
    let q: Int
    let pointers: [Int]
    let rows: [Int32]
    let values: [Double]

    init(pattern: CrossProductPattern) {
        q = pattern.q
        var count = [Int](repeating: 0, count: q + 1)
        for pr in 0..<pattern.pairCount {
            let b1 = Int(pattern.pairFirst[pr]), b2 = Int(pattern.pairSecond[pr])
            let k1 = pattern.k[Int(pattern.blockTerm[b1])], k2 = pattern.k[Int(pattern.blockTerm[b2])]
            let i0 = pattern.firstColumn(ofBlock: b1), j0 = pattern.firstColumn(ofBlock: b2)
            for c in 0..<k2 { count[j0 + c + 1] += k1 }
            if b1 != b2 { for r in 0..<k1 { count[i0 + r + 1] += k2 } }
        }
        for j in 0..<q { count[j + 1] += count[j] }
        var next = Array(count.dropLast())
        var rows = [Int32](repeating: 0, count: count[q])
        var values = [Double](repeating: 0, count: count[q])
        for pr in 0..<pattern.pairCount {
            let b1 = Int(pattern.pairFirst[pr]), b2 = Int(pattern.pairSecond[pr])
            let k1 = pattern.k[Int(pattern.blockTerm[b1])], k2 = pattern.k[Int(pattern.blockTerm[b2])]
            let i0 = pattern.firstColumn(ofBlock: b1), j0 = pattern.firstColumn(ofBlock: b2)
            let off = pattern.pairOffset[pr]
            for c in 0..<k2 {
                for r in 0..<k1 {
                    let v = pattern.values[off + r + c * k1]
                    rows[next[j0 + c]] = Int32(i0 + r); values[next[j0 + c]] = v; next[j0 + c] += 1
                    if b1 != b2 { rows[next[i0 + r]] = Int32(j0 + c); values[next[i0 + r]] = v; next[i0 + r] += 1 }
                }
            }
        }
        pointers = count
        self.rows = rows
        self.values = values
    }

    /// The columns `range` of S as a dense q × |range| matrix (into the first entries of `out`).
    func columns(_ range: Range<Int>, into out: inout [Double]) {
        let w = range.count
        out.withUnsafeMutableBufferPointer { o in
            for i in 0..<(q * w) { o[i] = 0 }
            for (j, c) in range.enumerated() {
                for e in pointers[c]..<pointers[c + 1] { o[Int(rows[e]) + j * q] = values[e] }
            }
        }
    }

    /// out (q × m, column-major) = S M for a column-major q × m matrix M, through its row-major
    /// copy: each row of S M is Σ_e S[r, c_e] M[c_e, ·], a contiguous axpy of length m per stored
    /// entry (S is symmetric, so its columns are its rows). `nT` and `fT` are workspace.
    func multiplyPanel(_ m: [Double], columns w: Int, rowMajor nT: inout [Double], result fT: inout [Double], into out: inout [Double]) {
        m.withUnsafeBufferPointer { mb in
            nT.withUnsafeMutableBufferPointer { nt in
                for j in 0..<w { for r in 0..<q { nt[r * w + j] = mb[r + j * q] } }
            }
        }
        nT.withUnsafeBufferPointer { nt in
            fT.withUnsafeMutableBufferPointer { ft in
                rows.withUnsafeBufferPointer { ri in
                    values.withUnsafeBufferPointer { va in
                        pointers.withUnsafeBufferPointer { pp in
                            let n0 = nt.baseAddress!
                            for r in 0..<q {
                                let fr = ft.baseAddress! + r * w
                                for j in 0..<w { fr[j] = 0 }
                                for e in pp[r]..<pp[r + 1] {
                                    let v = va[e]
                                    let src = n0 + Int(ri[e]) * w
                                    for j in 0..<w { fr[j] += v * src[j] }
                                }
                            }
                        }
                    }
                }
            }
        }
        fT.withUnsafeBufferPointer { ft in
            out.withUnsafeMutableBufferPointer { o in
                for r in 0..<q { for j in 0..<w { o[r + j * q] = ft[r * w + j] } }
            }
        }
    }

    /// out (q × m) = S M for a q × m matrix M.
    func multiply(_ m: [Double], columns: Int, into out: inout [Double]) {
        m.withUnsafeBufferPointer { mb in
            out.withUnsafeMutableBufferPointer { o in
                rows.withUnsafeBufferPointer { ri in
                    values.withUnsafeBufferPointer { va in
                        pointers.withUnsafeBufferPointer { pp in
                            for i in 0..<(q * columns) { o[i] = 0 }
                            for j in 0..<columns {
                                let oj = o.baseAddress! + j * q
                                let mj = j * q
                                for c in 0..<q {
                                    let x = mb[mj + c]
                                    if x == 0 { continue }
                                    for e in pp[c]..<pp[c + 1] { oj[Int(ri[e])] += va[e] * x }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Products with Ṽ⁻¹ (eq. 1) and F = Z'Ṽ⁻¹Z (eq. 2) through the factor at its current θ.
struct WoodburyOperators {
    let pattern: CrossProductPattern
    let factor: RandomEffectsFactor
    let s: SymmetricSparse
    let n: Int, q: Int

    /// Z'M for an n × c matrix M.
    func zTranspose(_ m: [Double], columns c: Int) -> [Double] {
        var out = [Double](repeating: 0, count: q * c)
        m.withUnsafeBufferPointer { mb in out.withUnsafeMutableBufferPointer { pattern.zTransposeTimes(mb, columns: c, weights: nil, into: $0) } }
        return out
    }

    /// ΛC⁻¹Λ'M for a q × c matrix M (original order).
    func lambdaCInverseLambdaT(_ m: [Double], columns c: Int) throws -> [Double] {
        guard c > 0 else { return [] }
        var r = [Double](repeating: 0, count: q * c)
        try m.withUnsafeBufferPointer { src in
            try r.withUnsafeMutableBufferPointer { dst in
                factor.lambdaTransposeToPermuted(columns: src, count: c, into: dst)
                try factor.solveL(dst.baseAddress!, columns: c)
                try factor.solveLt(dst.baseAddress!, columns: c)
            }
        }
        var out = [Double](repeating: 0, count: q * c)
        r.withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { factor.lambdaFromPermuted(columns: src, count: c, into: $0) } }
        return out
    }

    /// Ṽ⁻¹M = M − ZΛC⁻¹Λ'Z'M for an n × c matrix M.
    func applyVInverse(_ m: [Double], columns c: Int) throws -> [Double] {
        guard c > 0 else { return [] }
        let w = try lambdaCInverseLambdaT(zTranspose(m, columns: c), columns: c)
        var out = m
        var zw = [Double](repeating: 0, count: n)
        for j in 0..<c {
            w.withUnsafeBufferPointer { wb in
                zw.withUnsafeMutableBufferPointer { pattern.zTimes(UnsafeBufferPointer(rebasing: wb[(j * q)..<((j + 1) * q)]), into: $0) }
            }
            for i in 0..<n { out[i + j * n] -= zw[i] }
        }
        return out
    }

    /// F M = S(M − ΛC⁻¹Λ'S M) for a q × c matrix M.
    func applyF(_ m: [Double], columns c: Int) throws -> [Double] {
        guard c > 0 else { return [] }
        var sm = [Double](repeating: 0, count: q * c)
        s.multiply(m, columns: c, into: &sm)
        let w = try lambdaCInverseLambdaT(sm, columns: c)
        var nm = m
        for i in 0..<(q * c) { nm[i] -= w[i] }
        var out = [Double](repeating: 0, count: q * c)
        s.multiply(nm, columns: c, into: &out)
        return out
    }
}

extension RandomEffectsFactor {
    /// dst (original order, q × m) = Λ P' src (src permuted, q × m), column by column.
    func lambdaFromPermuted(columns src: UnsafeBufferPointer<Double>, count m: Int, into dst: UnsafeMutableBufferPointer<Double>) {
        let q = pattern.q
        let lambdas = (0..<covariance.count).map { lambda(ofTerm: $0) }
        invPerm.withUnsafeBufferPointer { ip in
            for j in 0..<m {
                let s = UnsafeBufferPointer(rebasing: src[(j * q)..<((j + 1) * q)])
                let d = UnsafeMutableBufferPointer(rebasing: dst[(j * q)..<((j + 1) * q)])
                for t in 0..<covariance.count {
                    let k = pattern.k[t], cs = pattern.columnStart[t], l = lambdas[t]
                    if k == 1 {
                        let l0 = l[0]
                        for a in cs..<(cs + pattern.levels[t]) { d[a] = l0 * s[Int(ip[a])] }
                        continue
                    }
                    for a in 0..<pattern.levels[t] {
                        let base = cs + a * k
                        for r in 0..<k {
                            var acc = 0.0
                            for c in 0...r { acc += l[r + c * k] * s[Int(ip[base + c])] }
                            d[base + r] = acc
                        }
                    }
                }
            }
        }
    }

    /// dst (permuted, q × m) = P Λ' src (src original, q × m), column by column.
    func lambdaTransposeToPermuted(columns src: UnsafeBufferPointer<Double>, count m: Int, into dst: UnsafeMutableBufferPointer<Double>) {
        let q = pattern.q
        let lambdas = (0..<covariance.count).map { lambda(ofTerm: $0) }
        invPerm.withUnsafeBufferPointer { ip in
            for j in 0..<m {
                let s = UnsafeBufferPointer(rebasing: src[(j * q)..<((j + 1) * q)])
                let d = UnsafeMutableBufferPointer(rebasing: dst[(j * q)..<((j + 1) * q)])
                for t in 0..<covariance.count {
                    let k = pattern.k[t], cs = pattern.columnStart[t], l = lambdas[t]
                    if k == 1 {
                        let l0 = l[0]
                        for a in cs..<(cs + pattern.levels[t]) { d[Int(ip[a])] = l0 * s[a] }
                        continue
                    }
                    for a in 0..<pattern.levels[t] {
                        let base = cs + a * k
                        for r in 0..<k {
                            var acc = 0.0
                            for c in r..<k { acc += l[c + r * k] * s[base + c] }
                            d[Int(ip[base + r])] = acc
                        }
                    }
                }
            }
        }
    }
}
