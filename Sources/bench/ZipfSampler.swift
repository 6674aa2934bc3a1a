#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Draws levels 0..<count with Zipf-like weights: level of rank r (r = index + 1) has weight
/// r^(−exponent). Inverse-CDF sampling by binary search on the cumulative weights.
struct ZipfSampler {
    let count: Int
    let exponent: Double
    /// cumulative[i] = Σ_{r ≤ i+1} r^(−exponent), normalised so the last entry is 1.
    private let cumulative: [Double]

    init(count: Int, exponent: Double) {
        precondition(count > 0)
        self.count = count
        self.exponent = exponent
        var c = [Double](repeating: 0, count: count)
        var s = 0.0
        for i in 0..<count {
            s += pow(Double(i + 1), -exponent)
            c[i] = s
        }
        for i in 0..<count { c[i] /= s }
        c[count - 1] = 1
        cumulative = c
    }

    /// One level (0-based; 0 is the most frequent).
    func sample(_ rng: inout Xoshiro256StarStar) -> Int {
        let u = rng.uniform()
        var lo = 0, hi = count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > u { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// `n` draws in which every level occurs at least once: each level once, then n − count
    /// draws from the Zipf weights, shuffled. Requires n ≥ count.
    func codesCoveringEveryLevel(rows n: Int, _ rng: inout Xoshiro256StarStar) -> [Int32] {
        precondition(n >= count, "need at least one row per level")
        var codes = [Int32](repeating: 0, count: n)
        for i in 0..<count { codes[i] = Int32(i) }
        for i in count..<n { codes[i] = Int32(sample(&rng)) }
        rng.shuffle(&codes)
        return codes
    }
}
