#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Tick positions chosen as R's `pretty()` chooses them: about `n + 1` equally spaced round
/// values, spaced by 1, 2 or 5 × 10^k, that cover the data range.
public struct PrettyTicks: Sendable, Equatable {
    /// The tick values, ascending; the first is ≤ the data minimum and the last ≥ the maximum.
    public let values: [Double]
    /// The spacing between ticks (1, 2 or 5 × 10^k).
    public let unit: Double

    /// The ticks of R's `pretty(c(low, high), n)` with its default biases (`min.n = n %/% 3`,
    /// `shrink.sml = 0.75`, `high.u.bias = 1.5`, `u5.bias = 0.5 + 1.5 * high.u.bias`): the
    /// algorithm of R's `R_pretty` (src/appl/pretty.c).
    public init(low: Double, high: Double, n: Int = 5) {
        var lo = min(low, high), up = max(low, high)
        if !lo.isFinite || !up.isFinite { lo = 0; up = 1 }
        let minN = n / 3
        let shrink = 0.75
        let h = 1.5, h5 = 0.5 + 1.5 * h
        let roundingEps = 1e-10
        let ndiv = max(1, n)
        let dx = up - lo
        var cell: Double
        let small: Bool
        if dx == 0 && up == 0 {
            cell = 1
            small = true
        } else {
            cell = max(abs(lo), abs(up))
            var u = 1 + ((h5 >= 1.5 * h + 0.5) ? 1 / (1 + h) : 1.5 / (1 + h5))
            u *= Double(ndiv) * Double.ulpOfOne
            small = dx < cell * u * 3
        }
        if small {
            if cell > 10 { cell = 9 + cell / 10 }
            cell *= shrink
            if minN > 1 { cell /= Double(minN) }
        } else {
            cell = dx
            if ndiv > 1 { cell /= Double(ndiv) }
        }
        let subsmall = 0x1p-20 * Double.leastNormalMagnitude
        if cell < subsmall { cell = subsmall } else if cell > Double.greatestFiniteMagnitude / 1.25 {
            cell = 0.1 * Double.greatestFiniteMagnitude
        }
        let base = pow(10.0, floor(log10(cell)))
        var unit = base
        if 2 * base - cell < h * (cell - unit) {
            unit = 2 * base
            if 5 * base - cell < h5 * (cell - unit) {
                unit = 5 * base
                if 10 * base - cell < h * (cell - unit) { unit = 10 * base }
            }
        }
        var ns = floor(lo / unit + roundingEps)
        var nu = ceil(up / unit - roundingEps)
        while ns * unit > lo + roundingEps * unit { ns -= 1 }
        while nu * unit < up - roundingEps * unit { nu += 1 }
        var k = Int(0.5 + nu - ns)
        if k < minN {
            k = minN - k
            if ns >= 0 {
                nu += Double(k / 2)
                ns -= Double(k / 2 + k % 2)
            } else {
                ns -= Double(k / 2)
                nu += Double(k / 2 + k % 2)
            }
            k = minN
        }
        // pretty.default: seq(l, u, length.out = n + 1), with values within 1e-14 * unit of 0 set to 0
        // (R_pretty's return_bounds: the bounds cover the original range)
        let l = ns * unit < lo ? ns * unit : lo
        let u = nu * unit > up ? nu * unit : up
        let count = max(k, 0)
        let delta = count > 0 ? (u - l) / Double(count) : 0
        var values = [Double]()
        values.reserveCapacity(count + 1)
        for i in 0...count {
            var v = count == 0 ? l : (i == count ? u : l + delta * Double(i))
            if count > 0 && abs(v) < 1e-14 * delta { v = 0 }
            values.append(v)
        }
        self.values = values
        self.unit = unit
    }

    /// Given tick values and their spacing.
    public init(values: [Double], unit: Double) {
        self.values = values
        self.unit = unit
    }

    /// Labels for the ticks, all with the same number of decimals — the fewest that tell the
    /// ticks apart (R's axis labels: `0.0 0.5 1.0`), negative values with a minus sign (−).
    /// Values of 10^15 or more in magnitude are written in scientific notation.
    public var labels: [String] { formatTickValues(values, unit: unit) }
}

/// Formats tick values with the number of decimals their spacing needs (see `PrettyTicks.labels`).
public func formatTickValues(_ values: [Double], unit: Double) -> [String] {
    let decimals = unit > 0 && unit.isFinite ? max(0, Int(-floor(log10(unit) + 1e-9))) : 0
    let huge = values.contains { abs($0) >= 1e15 }
    return values.map { v in
        var s: String
        if huge {
            s = RNumberFormat.printf("%.3g", v)
        } else {
            s = RNumberFormat.printf("%.\(min(decimals, 15))f", v)
            // a value that rounds to zero has no sign
            if s.hasPrefix("-") && s.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { s.removeFirst() }
        }
        if s.hasPrefix("-") { s = "\u{2212}" + s.dropFirst() }
        return s
    }
}
