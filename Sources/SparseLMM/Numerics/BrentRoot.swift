/// Brent's root finder (zeroin) for f on [lo, hi] with f(lo) and f(hi) of opposite signs.
func brentRoot(lo: Double, hi: Double, fLo: Double, fHi: Double, tolerance: Double, maxIterations: Int = 100,
               _ f: (Double) throws -> Double) throws -> Double {
    var a = lo, b = hi, fa = fLo, fb = fHi
    if fa == 0 { return a }
    if fb == 0 { return b }
    precondition(fa * fb < 0, "the root is not bracketed")
    var c = a, fc = fa
    var d = b - a, e = d
    for _ in 0..<maxIterations {
        if (fb > 0) == (fc > 0) { c = a; fc = fa; d = b - a; e = d }
        if abs(fc) < abs(fb) { a = b; b = c; c = a; fa = fb; fb = fc; fc = fa }
        let tol = 2 * Double.ulpOfOne * abs(b) + 0.5 * tolerance
        let m = 0.5 * (c - b)
        if abs(m) <= tol || fb == 0 { return b }
        if abs(e) >= tol && abs(fa) > abs(fb) {
            var p: Double, q: Double
            let s = fb / fa
            if a == c {
                p = 2 * m * s; q = 1 - s
            } else {
                let qq = fa / fc, r = fb / fc
                p = s * (2 * m * qq * (qq - r) - (b - a) * (r - 1))
                q = (qq - 1) * (r - 1) * (s - 1)
            }
            if p > 0 { q = -q } else { p = -p }
            if 2 * p < min(3 * m * q - abs(tol * q), abs(e * q)) {
                e = d; d = p / q
            } else {
                d = m; e = m
            }
        } else {
            d = m; e = m
        }
        a = b; fa = fb
        b += abs(d) > tol ? d : (m > 0 ? tol : -tol)
        fb = try f(b)
    }
    return b
}
