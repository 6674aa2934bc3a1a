/// The contrast matrices of lmerTest's type III hypotheses, one per fixed-effects term
/// (lmerTest's `get_contrasts_type3` for treatment contrasts): X is regressed on the term-wise
/// full dummy coding (`model.matrix(~ 0 + term)` for each term, plus the intercept), and each
/// term's columns are orthogonalised against those of the terms that contain it (same numeric
/// variables, more factors), in decreasing order of the terms' order. Models with one term (or
/// one column) use the type I contrasts from the Doolittle decomposition of X'X.
public func typeIIIContrasts(design: MixedModelDesign) throws -> [(term: String, contrast: DenseMatrix)] {
    let terms = design.formula.fixed
    let labels = terms.terms.map { $0.label }
    let recipe = design.fixedRecipe
    let p = design.p
    let n = design.nobs
    // X-columns of each term (R's term2colX)
    var map = [String: [Int]]()
    for l in labels { map[l] = [] }
    for (c, a) in recipe.assign.enumerated() where a >= 0 { map[labels[a], default: []].append(c) }
    let xNames = recipe.columnNames
    let X = DenseMatrix(rows: n, columns: p, values: design.X)

    if p <= 1 || labels.count <= 1 {
        // type I: rows of t(L), L from the Doolittle decomposition of X'X
        let xtx = X.transposed * X
        let lower = doolittleLower(xtx)
        let lt = lower.transposed
        return labels.map { label in
            let cols = map[label] ?? []
            var m = DenseMatrix(rows: cols.count, columns: p)
            for (r, c) in cols.enumerated() { for j in 0..<p { m[r, j] = lt[c, j] } }
            return (label, m)
        }
    }
    // rdX: the intercept and each term's full dummy coding
    let values = try design.fixedVariableValues()
    var rdNames = [String]()
    var rdColumns = [[Double]]()
    if terms.hasIntercept { rdNames.append("(Intercept)"); rdColumns.append([Double](repeating: 1, count: n)) }
    for term in terms.terms {
        let single = TermList(variables: terms.variables, terms: [term], hasIntercept: false)
        let r = try ModelMatrixRecipe(terms: single, values: values, formula: design.formula.text)
        let m = r.matrix(values: values, rows: n)
        for (c, name) in r.columnNames.enumerated() {
            rdNames.append(name)
            rdColumns.append(Array(m[(c * n)..<((c + 1) * n)]))
        }
    }
    let rdX = DenseMatrix(rows: n, columns: rdNames.count, values: rdColumns.flatMap { $0 })
    // L = t(ginv(X) rdX): rows named by rdX's columns, columns by X's
    let xtxInverse = (X.transposed * X).symmetricPseudoInverse(relativeTolerance: 1e-12).inverse
    var L = ((xtxInverse * X.transposed) * rdX).transposed
    for k in 0..<L.values.count where abs(L.values[k]) < 1e-7 * max(1, L.values.map { abs($0) }.max() ?? 1) { L.values[k] = 0 }
    // containment: other terms with all this term's variables and more, and the same numeric variables
    let isNumeric = values.map { v -> Bool in if case .numeric = v { return true } else { return false } }
    func contains(_ a: Term, _ b: Term) -> Bool {
        let va = Set(a.variables), vb = Set(b.variables)
        return va.isSubset(of: vb) && vb.count > va.count
            && Set(a.variables.filter { isNumeric[$0] }) == Set(b.variables.filter { isNumeric[$0] })
    }
    let order = terms.terms.indices.sorted { terms.terms[$0].order > terms.terms[$1].order }
    for t in order {
        let containing = terms.terms.indices.filter { contains(terms.terms[t], terms.terms[$0]) }
        guard !containing.isEmpty else { continue }
        let ycols = map[labels[t]] ?? []
        let xcols = containing.flatMap { map[labels[$0]] ?? [] }
        guard !ycols.isEmpty, !xcols.isEmpty else { continue }
        var xs = DenseMatrix(rows: L.rows, columns: xcols.count)
        for (k, c) in xcols.enumerated() { for i in 0..<L.rows { xs[i, k] = L[i, c] } }
        var ys = DenseMatrix(rows: L.rows, columns: ycols.count)
        for (k, c) in ycols.enumerated() { for i in 0..<L.rows { ys[i, k] = L[i, c] } }
        let res = DenseMatrix.leastSquaresResiduals(x: xs, y: ys)
        for (k, c) in ycols.enumerated() {
            for i in 0..<L.rows { L[i, c] = abs(res[i, k]) < 1e-7 ? 0 : res[i, k] }
        }
    }
    // keep the rows named like X's columns, then each term's contrast is t(L[, term columns])
    let rowIndex = xNames.map { name in rdNames.firstIndex(of: name) }
    return labels.map { label in
        let cols = map[label] ?? []
        var rows = [[Double]]()
        for c in cols {
            let r = rowIndex.map { idx -> Double in idx.map { L[$0, c] } ?? 0 }
            if r.reduce(0, { $0 + abs($1) }) > 1e-8 { rows.append(r) }
        }
        return (label, DenseMatrix(rowArrays: rows, columns: p))
    }
}

/// The unit lower-triangular factor of R's (lmerTest's) Doolittle decomposition A = L U, with
/// entries below 1e-6 set to zero.
func doolittleLower(_ x: DenseMatrix) -> DenseMatrix {
    let n = x.rows
    var l = DenseMatrix.identity(n), u = DenseMatrix(rows: n, columns: n)
    for i in 0..<n {
        for j in 0..<n {
            var s = x[i, j]
            for k in 0..<i { s -= l[i, k] * u[k, j] }
            u[i, j] = s
        }
        if i + 1 < n {
            for j in (i + 1)..<n {
                var s = x[j, i]
                for k in 0..<i { s -= l[j, k] * u[k, i] }
                l[j, i] = abs(u[i, i]) < 1e-6 ? 0 : s / u[i, i]
            }
        }
    }
    for k in 0..<l.values.count where abs(l.values[k]) < 1e-6 { l.values[k] = 0 }
    return l
}
