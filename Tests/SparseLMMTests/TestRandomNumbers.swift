import Foundation

/// A deterministic generator for simulated test data (splitmix64, Box-Muller, inversion).
struct SimulationRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func nextUInt64() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform on (0, 1).
    mutating func uniform() -> Double { (Double(nextUInt64() >> 11) + 0.5) / Double(1 << 53) }

    /// Standard normal.
    mutating func normal() -> Double {
        let u1 = uniform(), u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Bernoulli(p) as 0/1.
    mutating func bernoulli(_ p: Double) -> Double { uniform() < p ? 1 : 0 }

    /// Poisson(mu) by inversion (small and moderate means).
    mutating func poisson(_ mu: Double) -> Double {
        var k = 0.0, p = exp(-mu), cum = p
        let u = uniform()
        while u > cum && k < 10_000 { k += 1; p *= mu / k; cum += p }
        return k
    }

    /// Gamma(shape, 1) by Marsaglia and Tsang.
    mutating func gamma(_ shape: Double) -> Double {
        if shape < 1 { return gamma(shape + 1) * pow(uniform(), 1 / shape) }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat { x = normal(); v = 1 + c * x } while v <= 0
            v = v * v * v
            let u = uniform()
            if u < 1 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }

    /// Negative binomial with mean mu and shape theta (a gamma-Poisson mixture).
    mutating func negativeBinomial(mu: Double, theta: Double) -> Double {
        poisson(gamma(theta) * mu / theta)
    }
}
