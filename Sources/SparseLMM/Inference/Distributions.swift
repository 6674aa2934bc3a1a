#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// P(Z > z) for a standard normal Z, accurate in the far tail (erfc).
public func normalUpperTail(_ z: Double) -> Double { 0.5 * erfc(z / 2.0.squareRoot()) }

/// Φ(z).
public func normalCDF(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }

/// Φ⁻¹(p): Wichura's algorithm AS 241 (PPND16), about 16 digits.
public func normalQuantile(_ p: Double) -> Double {
    if p <= 0 { return -.infinity }
    if p >= 1 { return .infinity }
    let q = p - 0.5
    if abs(q) <= 0.425 {
        let r = 0.180625 - q * q
        let num = (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) * r
            + 45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r
            + 133.14166789178437745) * r + 3.387132872796366608)
        let den = (((((((5226.495278852545925 * r + 28729.085735721942674) * r + 39307.89580009271061) * r
            + 21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r
            + 42.313330701600911252) * r + 1.0)
        return q * num / den
    }
    var r = q < 0 ? p : 1 - p
    r = (-log(r)).squareRoot()
    var x: Double
    if r <= 5 {
        r -= 1.6
        x = (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r + 0.24178072517745061177) * r
            + 1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r
            + 4.6303378461565452959) * r + 1.42343711074968357734)
            / (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r
            + 0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r
            + 2.05319162663775882187) * r + 1.0)
    } else {
        r -= 5
        x = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r
            + 0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) * r
            + 5.4637849111641143699) * r + 6.6579046435011037772)
            / (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r
            + 7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r
            + 0.59983220655588793769) * r + 1.0)
    }
    return q < 0 ? -x : x
}

/// The regularised incomplete beta function I_x(a, b), by the continued fraction (modified Lentz)
/// on the side where it converges quickly.
public func regularizedIncompleteBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
    if x <= 0 { return 0 }
    if x >= 1 { return 1 }
    let lnFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
    if x < (a + 1) / (a + b + 2) {
        return exp(lnFront) * betaContinuedFraction(x, a, b) / a
    }
    return 1 - exp(lnFront) * betaContinuedFraction(1 - x, b, a) / b
}

/// 1 − I_x(a, b) without cancellation.
public func regularizedIncompleteBetaComplement(_ x: Double, _ a: Double, _ b: Double) -> Double {
    regularizedIncompleteBeta(1 - x, b, a)
}

func betaContinuedFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
    let tiny = 1e-300
    var c = 1.0
    var d = 1 - (a + b) * x / (a + 1)
    if abs(d) < tiny { d = tiny }
    d = 1 / d
    var h = d
    for m in 1...10_000 {
        let mm = Double(m)
        var num = mm * (b - mm) * x / ((a + 2 * mm - 1) * (a + 2 * mm))
        d = 1 + num * d; if abs(d) < tiny { d = tiny }
        c = 1 + num / c; if abs(c) < tiny { c = tiny }
        d = 1 / d
        h *= d * c
        num = -(a + mm) * (a + b + mm) * x / ((a + 2 * mm) * (a + 2 * mm + 1))
        d = 1 + num * d; if abs(d) < tiny { d = tiny }
        c = 1 + num / c; if abs(c) < tiny { c = tiny }
        d = 1 / d
        let delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-16 { break }
    }
    return h
}

/// Two-sided p-value of a t statistic with `df` degrees of freedom: P(|T| > |t|).
public func studentTTwoSided(_ t: Double, df: Double) -> Double {
    if t.isNaN || df.isNaN || df <= 0 { return .nan }
    if df.isInfinite { return 2 * normalUpperTail(abs(t)) }
    return regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5)
}

/// P(T ≤ t) for Student's t with `df` degrees of freedom.
public func studentTCDF(_ t: Double, df: Double) -> Double {
    let tail = 0.5 * studentTTwoSided(t, df: df)
    return t >= 0 ? 1 - tail : tail
}

/// Student's t quantile by Newton steps from the normal quantile.
public func studentTQuantile(_ p: Double, df: Double) -> Double {
    if df.isInfinite || df > 1e7 { return normalQuantile(p) }
    var x = normalQuantile(p)
    for _ in 0..<100 {
        let f = studentTCDF(x, df: df) - p
        let logNorm: Double = lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * log(df * Double.pi)
        let density: Double = exp(logNorm - (df + 1) / 2 * log1p(x * x / df))
        let step = f / density
        x -= step
        if abs(step) < 1e-13 * max(1, abs(x)) { break }
    }
    return x
}

/// Upper tail of the F distribution: P(F > f) with (d1, d2) degrees of freedom.
public func fUpperTail(_ f: Double, _ d1: Double, _ d2: Double) -> Double {
    if f.isNaN || d1 <= 0 || d2 <= 0 { return .nan }
    if f <= 0 { return 1 }
    if d2.isInfinite { return chiSquaredUpperTail(f * d1, df: d1) }
    return regularizedIncompleteBeta(d2 / (d2 + d1 * f), d2 / 2, d1 / 2)
}

/// The regularised lower incomplete gamma P(a, x).
public func regularizedGammaP(_ a: Double, _ x: Double) -> Double {
    if x <= 0 { return 0 }
    if x < a + 1 {
        var sum = 1 / a, term = sum, ap = a
        for _ in 0..<100_000 {
            ap += 1
            term *= x / ap
            sum += term
            if abs(term) < abs(sum) * 1e-17 { break }
        }
        return sum * exp(-x + a * log(x) - lgamma(a))
    }
    return 1 - regularizedGammaQ(a, x)
}

/// The regularised upper incomplete gamma Q(a, x) = 1 − P(a, x), by a continued fraction.
public func regularizedGammaQ(_ a: Double, _ x: Double) -> Double {
    if x <= 0 { return 1 }
    if x < a + 1 { return 1 - regularizedGammaP(a, x) }
    let tiny = 1e-300
    var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
    for i in 1...100_000 {
        let an = -Double(i) * (Double(i) - a)
        b += 2
        d = an * d + b; if abs(d) < tiny { d = tiny }
        c = b + an / c; if abs(c) < tiny { c = tiny }
        d = 1 / d
        let delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-16 { break }
    }
    return exp(-x + a * log(x) - lgamma(a)) * h
}

/// P(χ²_df > x).
public func chiSquaredUpperTail(_ x: Double, df: Double) -> Double {
    if x.isNaN { return .nan }
    if x <= 0 { return 1 }
    return regularizedGammaQ(df / 2, x / 2)
}

/// χ²_df quantile by bisection and Newton refinement.
public func chiSquaredQuantile(_ p: Double, df: Double) -> Double {
    if df == 1 { let z = normalQuantile((1 + p) / 2); return z * z }
    var lo = 0.0, hi = max(1.0, df)
    while 1 - chiSquaredUpperTail(hi, df: df) < p { hi *= 2 }
    for _ in 0..<200 {
        let mid = 0.5 * (lo + hi)
        if 1 - chiSquaredUpperTail(mid, df: df) < p { lo = mid } else { hi = mid }
        if hi - lo < 1e-14 * hi { break }
    }
    return 0.5 * (lo + hi)
}
