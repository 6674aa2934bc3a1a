#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Variates of the distributions a mixed model simulates from, drawn from a `RandomStream`
/// with published exact algorithms (no approximations): Box–Muller normals, Marsaglia–Tsang
/// gammas, Poisson by multiplication of uniforms (mean < 10) or Hörmann's PTRS transformed
/// rejection, binomial by inversion (n·min(p, 1 − p) < 10) or Hörmann's BTRS, and the negative
/// binomial as a gamma mixture of Poissons (as R's `MASS::rnegbin`).
extension RandomStream {
    /// A standard normal variate (Box–Muller; the pair's second value is kept for the next call).
    public mutating func normal() -> Double {
        if !spareNormal.isNaN {
            let z = spareNormal
            spareNormal = .nan
            return z
        }
        let u1 = uniformPositive(), u2 = uniform()
        let r = (-2 * log(u1)).squareRoot()
        let a = 2 * Double.pi * u2
        spareNormal = r * sin(a)
        return r * cos(a)
    }

    /// A gamma variate with the given shape (> 0) and scale (Marsaglia and Tsang, 2000; for a
    /// shape below 1, boosted by U^(1/shape)).
    public mutating func gamma(shape: Double, scale: Double = 1) -> Double {
        precondition(shape > 0 && scale > 0, "gamma needs a positive shape and scale")
        if shape < 1 {
            let g = gamma(shape: shape + 1)
            return scale * g * pow(uniformPositive(), 1 / shape)
        }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat {
                x = normal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = uniformPositive()
            if u < 1 - 0.0331 * x * x * x * x { return scale * d * v }
            if log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return scale * d * v }
        }
    }

    /// A Poisson variate with the given mean (≥ 0).
    public mutating func poisson(mean mu: Double) -> Double {
        precondition(mu >= 0 && mu.isFinite, "a Poisson mean must be finite and non-negative")
        if mu == 0 { return 0 }
        if mu < 10 {
            // multiplication of uniforms (Knuth)
            let limit = exp(-mu)
            var k = 0.0, prod = uniform()
            while prod > limit {
                k += 1
                prod *= uniform()
            }
            return k
        }
        // PTRS: transformed rejection with squeeze (Hörmann, 1993)
        let slam = mu.squareRoot(), loglam = log(mu)
        let b = 0.931 + 2.53 * slam
        let a = -0.059 + 0.02483 * b
        let invalpha = 1.1239 + 1.1328 / (b - 3.4)
        let vr = 0.9277 - 3.6224 / (b - 2)
        while true {
            let u = uniform() - 0.5, v = uniformPositive()
            let us = 0.5 - abs(u)
            let k = floor((2 * a / us + b) * u + mu + 0.43)
            if us >= 0.07 && v <= vr { return k }
            if k < 0 || (us < 0.013 && v > us) { continue }
            if log(v) + log(invalpha) - log(a / (us * us) + b) <= -mu + k * loglam - lgamma(k + 1) { return k }
        }
    }

    /// A binomial variate: successes in `trials` independent trials with success probability p.
    public mutating func binomial(trials n: Int, probability p: Double) -> Int {
        precondition(n >= 0 && p >= 0 && p <= 1, "a binomial needs n ≥ 0 and 0 ≤ p ≤ 1")
        if n == 0 || p == 0 { return 0 }
        if p == 1 { return n }
        let flip = p > 0.5
        let pp = flip ? 1 - p : p
        let k = Double(n) * pp < 10 ? binomialInversion(n, pp) : binomialBTRS(n, pp)
        return flip ? n - k : k
    }

    /// Inversion by sequential search from 0 (p ≤ 1/2, n·p < 10: a few steps on average).
    mutating func binomialInversion(_ n: Int, _ p: Double) -> Int {
        let q = 1 - p
        let s = p / q, a = Double(n + 1) * s
        var r = pow(q, Double(n))
        var u = uniform()
        var k = 0
        while u > r {
            u -= r
            k += 1
            if k > n { return n }   // round-off in the tail
            r *= a / Double(k) - s
            if r <= 0 { return k }
        }
        return k
    }

    /// BTRS: transformed rejection with squeeze (Hörmann, 1993), p ≤ 1/2 and n·p ≥ 10.
    mutating func binomialBTRS(_ n: Int, _ p: Double) -> Int {
        let nn = Double(n), q = 1 - p
        let spq = (nn * p * q).squareRoot()
        let b = 1.15 + 2.53 * spq
        let a = -0.0873 + 0.0248 * b + 0.01 * p
        let c = nn * p + 0.5
        let vr = 0.92 - 4.2 / b
        let alpha = (2.83 + 5.1 / b) * spq
        let lpq = log(p / q)
        let m = floor((nn + 1) * p)
        let h = lgamma(m + 1) + lgamma(nn - m + 1)
        while true {
            let u = uniform() - 0.5, v0 = uniformPositive()
            let us = 0.5 - abs(u)
            let k = floor((2 * a / us + b) * u + c)
            if k < 0 || k > nn { continue }
            if us >= 0.07 && v0 <= vr { return Int(k) }
            let v = log(v0 * alpha / (a / (us * us) + b))
            if v <= h - lgamma(k + 1) - lgamma(nn - k + 1) + (k - m) * lpq { return Int(k) }
        }
    }

    /// A negative-binomial variate with mean μ and shape θ (variance μ + μ²/θ): a Poisson with
    /// a gamma(θ, μ/θ) mean, as `MASS::rnegbin`.
    public mutating func negativeBinomial(mean mu: Double, shape theta: Double) -> Double {
        precondition(mu >= 0 && theta > 0, "a negative binomial needs μ ≥ 0 and θ > 0")
        if mu == 0 { return 0 }
        return poisson(mean: gamma(shape: theta, scale: mu / theta))
    }
}
