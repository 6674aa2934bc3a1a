#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SplitMix64 (Steele, Lea and Flood 2014): a tiny generator used only to seed xoshiro256**
/// from one 64-bit number, as its authors recommend.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** 1.0 (Blackman and Vigna 2018), the benchmark's only source of randomness.
///
/// Simulated data must be identical on every run and machine for a seed, so the benchmark never
/// uses Swift's `SystemRandomNumberGenerator`. Each column of a simulation draws from its own
/// stream (`init(seed:stream:)`), so changing one column's recipe does not shift the others.
/// Normal deviates use the Box–Muller transform with glibc's `log`, `sin` and `cos`.
struct Xoshiro256StarStar: RandomNumberGenerator {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    /// The second Box–Muller deviate of the last pair, if not used yet.
    private var spareNormal: Double? = nil

    /// A generator seeded from `seed` through SplitMix64.
    init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
    }

    /// An independent stream for one named purpose: the seed mixed with the FNV-1a hash of `stream`.
    init(seed: UInt64, stream: String) {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in stream.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        self.init(seed: seed ^ h)
    }

    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    mutating func next() -> UInt64 {
        let result = Xoshiro256StarStar.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = Xoshiro256StarStar.rotl(s3, 45)
        return result
    }

    /// Uniform on [0, 1) with 53 random bits.
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform on (0, 1): never exactly 0 (safe for `log`).
    mutating func uniformOpen() -> Double { (Double(next() >> 11) + 0.5) * 0x1p-53 }

    /// Uniform integer in 0..<n (Lemire's nearly-divisionless method, unbiased).
    mutating func integer(below n: Int) -> Int {
        precondition(n > 0)
        let bound = UInt64(n)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }

    /// Uniform integer in a closed range.
    mutating func integer(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + integer(below: range.count)
    }

    /// A standard normal deviate (Box–Muller, both deviates of a pair used).
    mutating func normal() -> Double {
        if let z = spareNormal {
            spareNormal = nil
            return z
        }
        let r = (-2 * log(uniformOpen())).squareRoot()
        let a = 2 * Double.pi * uniform()
        spareNormal = r * sin(a)
        return r * cos(a)
    }

    /// N(mean, sd²).
    mutating func normal(mean: Double, sd: Double) -> Double { mean + sd * normal() }

    /// Shuffles `values` in place (Fisher–Yates).
    mutating func shuffle<T>(_ values: inout [T]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            let j = integer(below: i + 1)
            if i != j { values.swapAt(i, j) }
        }
    }
}
