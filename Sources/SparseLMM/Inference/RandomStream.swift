/// SplitMix64 (Steele, Lea and Flood, 2014): a 64-bit generator used here to expand seeds into
/// the state of `RandomStream` — every output is a bijective mix of a Weyl sequence.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The Weyl sequence's current value (advanced by 0x9E3779B97F4A7C15 per output).
    public var state: UInt64

    /// A generator whose state starts at `seed`.
    public init(seed: UInt64) { state = seed }

    /// The finaliser alone: a bijective mix of one 64-bit word.
    @inline(__always) public static func mix(_ z0: UInt64) -> UInt64 {
        var z = z0
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        return SplitMix64.mix(state)
    }
}

/// The project's deterministic random numbers: xoshiro256** (Blackman and Vigna, 2018), a
/// fast 256-bit generator with period 2²⁵⁶ − 1 that passes BigCrush, seeded through SplitMix64.
///
/// Results must not depend on the platform, the Swift version or the number of threads, so
/// nothing here uses the system generator or the standard library's sampling algorithms:
/// uniforms and the variates of `RandomVariates` are computed by this project's own code.
///
/// Independent streams: `RandomStream(seed:stream:)` gives simulation `stream` of a run with
/// `seed` its own generator, whose state is SplitMix64 output seeded by a mix of both — so
/// simulation i draws the same numbers whichever worker runs it, and in whatever order.
public struct RandomStream: RandomNumberGenerator, Sendable {
    var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    /// The second normal of the last Box–Muller pair (NaN: none).
    var spareNormal = Double.nan

    /// The generator seeded from one number (stream 0).
    public init(seed: UInt64) { self.init(seed: seed, stream: 0) }

    /// Stream `stream` of the run seeded with `seed`.
    public init(seed: UInt64, stream: UInt64) {
        var sm = SplitMix64(seed: SplitMix64.mix(seed ^ 0x6A09E667F3BCC909) ^ SplitMix64.mix(stream &+ 0xBB67AE8584CAA73B))
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }   // the all-zero state is the one fixed point
    }

    @inline(__always) static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = RandomStream.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = RandomStream.rotl(s3, 45)
        return result
    }

    /// A uniform number in [0, 1) with 53 random bits.
    @inline(__always) public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform number in (0, 1) (never 0: safe for logarithms).
    @inline(__always) public mutating func uniformPositive() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
    }
}
