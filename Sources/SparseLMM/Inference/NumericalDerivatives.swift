/// Finite-difference derivatives with Richardson extrapolation, reproducing R's numDeriv package
/// (method "Richardson", r = 4 halvings of the step): `jacobian` with the relative step 1e-4 of
/// numDeriv's `grad`/`jacobian`, `hessian` with numDeriv's `genD` (relative step 0.1, off-diagonal
/// terms from the diagonal ones). lmerTest differentiates the deviance and vcov(β̂) this way, so
/// these reproduce its Satterthwaite degrees of freedom; they are accurate to ~1e-6 for smooth
/// functions.
public enum NumericalDerivatives {
    static let eps = 1e-4
    static let zeroTolerance = (Double.ulpOfOne / 7e-7).squareRoot()
    static let r = 4

    /// numDeriv's initial step: |d·x| + eps where |x| is below the zero tolerance.
    static func step(_ x: Double, d: Double) -> Double {
        abs(d * x) + (abs(x) < zeroTolerance ? eps : 0)
    }

    /// Richardson extrapolation of estimates a[k] computed with steps h/2^k (error ∝ h²).
    static func extrapolate(_ a: [[Double]]) -> [Double] {
        var a = a
        for m in 1..<a.count {
            let f = Double(1 << (2 * m))
            for k in 0..<(a.count - m) {
                a[k] = zip(a[k + 1], a[k]).map { (f * $0 - $1) / (f - 1) }
            }
        }
        return a[0]
    }

    /// The Jacobian of a vector function, one column (∂f/∂xⱼ for all outputs) per parameter
    /// (numDeriv's `jacobian`, relative step 1e-4).
    public static func jacobianColumns(_ f: ([Double]) throws -> [Double], at x: [Double]) rethrows -> [[Double]] {
        var out = [[Double]]()
        for j in 0..<x.count {
            var h = step(x[j], d: 1e-4)
            var estimates = [[Double]]()
            for _ in 0..<r {
                var a = x, b = x
                a[j] += h; b[j] -= h
                let fa = try f(a), fb = try f(b)
                estimates.append(zip(fa, fb).map { ($0 - $1) / (2 * h) })
                h /= 2
            }
            out.append(extrapolate(estimates))
        }
        return out
    }

    /// The Hessian of a scalar function (numDeriv's `hessian` through `genD`, relative step 0.1).
    public static func hessian(_ f: ([Double]) throws -> Double, at x: [Double]) rethrows -> DenseMatrix {
        let m = x.count
        let f0 = try f(x)
        let h0 = x.map { step($0, d: 0.1) }
        var diagonal = [Double](repeating: 0, count: m)
        for i in 0..<m {
            var h = h0[i]
            var est = [[Double]]()
            for _ in 0..<r {
                var a = x, b = x
                a[i] += h; b[i] -= h
                est.append([(try f(a) - 2 * f0 + (try f(b))) / (h * h)])
                h /= 2
            }
            diagonal[i] = extrapolate(est)[0]
        }
        var hess = DenseMatrix(rows: m, columns: m)
        for i in 0..<m { hess[i, i] = diagonal[i] }
        for i in 0..<m {
            for j in 0..<i {
                var hi = h0[i], hj = h0[j]
                var est = [[Double]]()
                for _ in 0..<r {
                    var a = x, b = x
                    a[i] += hi; a[j] += hj
                    b[i] -= hi; b[j] -= hj
                    let v = (try f(a) - 2 * f0 + (try f(b)) - diagonal[i] * hi * hi - diagonal[j] * hj * hj) / (2 * hi * hj)
                    est.append([v])
                    hi /= 2; hj /= 2
                }
                let v = extrapolate(est)[0]
                hess[i, j] = v
                hess[j, i] = v
            }
        }
        return hess
    }
}
