/// Cleveland's robust locally weighted regression as R's `lowess(x, y, f, iter, delta)` computes
/// it (the `clowess` routine): at each x a straight line fitted by weighted least squares to the
/// nearest `f · n` points with tricube weights, then `iterations` robustness passes with bisquare
/// weights on the residuals. Points closer than `delta` to the last fitted x are interpolated.
///
/// - Returns: the points sorted by x with their smoothed values (R's `lowess()$x` and `$y`).
public func lowess(x: [Double], y: [Double], f: Double = 2.0 / 3.0, iterations: Int = 3,
                   delta: Double? = nil) -> (x: [Double], y: [Double]) {
    let pairs = zip(x, y).filter { $0.0.isFinite && $0.1.isFinite }.sorted { $0.0 < $1.0 }
    let n = pairs.count
    let xs = pairs.map { $0.0 }, yv = pairs.map { $0.1 }
    guard n >= 2 else { return (xs, yv) }
    let d = delta ?? 0.01 * (xs[n - 1] - xs[0])
    // 1-based working arrays as in the reference implementation
    let xArray = [0] + xs, yArray = [0] + yv
    var ysArray = [Double](repeating: 0, count: n + 1)
    var rwArray = [Double](repeating: 0, count: n + 1)
    var wArray = [Double](repeating: 0, count: n + 1)
    let ns = max(2, min(n, Int(f * Double(n) + 1e-7)))
    xArray.withUnsafeBufferPointer { X in
        yArray.withUnsafeBufferPointer { Y in
            ysArray.withUnsafeMutableBufferPointer { ys in
                rwArray.withUnsafeMutableBufferPointer { rw in
                    wArray.withUnsafeMutableBufferPointer { w in
                        lowessPasses(X: X, Y: Y, n: n, ns: ns, delta: d, iterations: iterations, ys: ys, rw: rw, w: w)
                    }
                }
            }
        }
    }
    return (xs, Array(ysArray[1...]))
}

/// The local fit at `xv` from points nleft…nright, 1-based (R's `lowest`); nil when all weights
/// are zero. `w` receives the weights.
private func lowessLocalFit(X: UnsafeBufferPointer<Double>, Y: UnsafeBufferPointer<Double>, n: Int, xv: Double,
                            nleft: Int, nright: Int, w: UnsafeMutableBufferPointer<Double>,
                            robustnessWeights rw: UnsafeMutableBufferPointer<Double>?) -> Double? {
    let range = X[n] - X[1]
    let h = max(xv - X[nleft], X[nright] - xv)
    let h9 = 0.999 * h, h1 = 0.001 * h
    var a = 0.0
    var j = nleft
    while j <= n {
        w[j] = 0
        let r = abs(X[j] - xv)
        if r <= h9 {
            if r <= h1 { w[j] = 1 } else { let q = r / h; let c = 1 - q * q * q; w[j] = c * c * c }
            if let rw { w[j] *= rw[j] }
            a += w[j]
        } else if X[j] > xv {
            break
        }
        j += 1
    }
    let nrt = j - 1
    guard a > 0 else { return nil }
    for k in nleft...nrt { w[k] /= a }
    if h > 0 {
        var mean = 0.0
        for k in nleft...nrt { mean += w[k] * X[k] }
        var b = xv - mean
        var c = 0.0
        for k in nleft...nrt { c += w[k] * (X[k] - mean) * (X[k] - mean) }
        if c.squareRoot() > 0.001 * range {
            b /= c
            for k in nleft...nrt { w[k] *= b * (X[k] - mean) + 1 }
        }
    }
    var value = 0.0
    for k in nleft...nrt { value += w[k] * Y[k] }
    return value
}

/// R's `clowess` main loop over 1-based arrays: the fit, then the robustness passes.
private func lowessPasses(X: UnsafeBufferPointer<Double>, Y: UnsafeBufferPointer<Double>, n: Int, ns: Int, delta: Double,
                          iterations: Int, ys: UnsafeMutableBufferPointer<Double>, rw: UnsafeMutableBufferPointer<Double>,
                          w: UnsafeMutableBufferPointer<Double>) {
    var res = [Double](repeating: 0, count: n + 1)
    var iteration = 1
    while iteration <= iterations + 1 {
        var nleft = 1, nright = ns, last = 0, i = 1
        while true {
            if nright < n {
                let d1 = X[i] - X[nleft], d2 = X[nright + 1] - X[i]
                if d1 > d2 {
                    nleft += 1
                    nright += 1
                    continue
                }
            }
            ys[i] = lowessLocalFit(X: X, Y: Y, n: n, xv: X[i], nleft: nleft, nright: nright, w: w,
                                   robustnessWeights: iteration > 1 ? rw : nil) ?? Y[i]
            if last < i - 1 {
                let denom = X[i] - X[last]
                for j in (last + 1)..<i {
                    let alpha = (X[j] - X[last]) / denom
                    ys[j] = alpha * ys[i] + (1 - alpha) * ys[last]
                }
            }
            last = i
            let cut = X[last] + delta
            i = last + 1
            while i <= n {
                if X[i] > cut { break }
                if X[i] == X[last] {
                    ys[i] = ys[last]
                    last = i
                }
                i += 1
            }
            i = max(last + 1, i - 1)
            if last >= n { break }
        }
        for k in 1...n { res[k] = Y[k] - ys[k] }
        var sc = 0.0
        for k in 1...n { sc += abs(res[k]) }
        sc /= Double(n)
        if iteration > iterations { break }
        let absolute = (1...n).map { abs(res[$0]) }.sorted()
        let m1 = n / 2
        let cmad = n % 2 == 0 ? 3 * (absolute[m1] + absolute[n - m1 - 1]) : 6 * absolute[m1]
        if cmad < 1e-7 * sc { break }
        let c9 = 0.999 * cmad, c1 = 0.001 * cmad
        for k in 1...n {
            let r = abs(res[k])
            if r <= c1 { rw[k] = 1 } else if r <= c9 { let q = r / cmad; rw[k] = (1 - q * q) * (1 - q * q) } else { rw[k] = 0 }
        }
        iteration += 1
    }
}
