/// Detects columns of X (n × p, column-major) that are linearly dependent on earlier columns:
/// Householder QR with LINPACK's limited pivoting (R's `qr(X, tol = 1e-7, LAPACK = FALSE)`, as
/// lme4 uses to drop fixed-effect columns). A column whose norm, after removing its projection on
/// the kept columns before it, falls below `tol` times its original norm is dropped; the others keep
/// their order.
public func linearlyDependentColumns(_ x: [Double], rows n: Int, columns p: Int, tolerance tol: Double = 1e-7)
    -> (kept: [Int], dropped: [Int]) {
    var kept = [Int](), dropped = [Int]()
    var reflectors = [[Double]]()   // Householder vectors v (length n, zero above their pivot row)
    var column = [Double](repeating: 0, count: n)
    for j in 0..<p {
        for i in 0..<n { column[i] = x[i + j * n] }
        var original = 0.0
        for v in column { original += v * v }
        original = original.squareRoot()
        let reference = original == 0 ? 1.0 : original
        // apply the reflectors so far: H = I - 2 v v' / (v'v)
        for v in reflectors {
            var dot = 0.0, vv = 0.0
            for i in 0..<n where v[i] != 0 { dot += v[i] * column[i]; vv += v[i] * v[i] }
            if vv > 0 {
                let s = 2 * dot / vv
                for i in 0..<n where v[i] != 0 { column[i] -= s * v[i] }
            }
        }
        let r = kept.count
        var rest = 0.0
        if r < n { for i in r..<n { rest += column[i] * column[i] } }
        rest = rest.squareRoot()
        if r >= n || rest < tol * reference || original == 0 {
            dropped.append(j)
            continue
        }
        var v = [Double](repeating: 0, count: n)
        for i in r..<n { v[i] = column[i] }
        v[r] += column[r] >= 0 ? rest : -rest
        reflectors.append(v)
        kept.append(j)
    }
    return (kept, dropped)
}
