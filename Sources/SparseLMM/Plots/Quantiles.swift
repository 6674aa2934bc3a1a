/// R's `ppoints(n)`: the probabilities (i − a) / (n + 1 − 2a), i = 1…n, with a = 3/8 for
/// n ≤ 10 and 1/2 otherwise — the plotting positions of a normal QQ plot.
public func plottingPositions(_ n: Int) -> [Double] {
    guard n > 0 else { return [] }
    let a = n <= 10 ? 3.0 / 8 : 0.5
    return (1...n).map { (Double($0) - a) / (Double(n) + 1 - 2 * a) }
}

/// R's `quantile(x, p)` with its default type 7 (linear interpolation between order statistics);
/// non-finite values are ignored. Nil when no finite value remains.
public func sampleQuantile(_ values: [Double], _ p: Double) -> Double? {
    let x = values.filter { $0.isFinite }.sorted()
    guard !x.isEmpty else { return nil }
    let h = Double(x.count - 1) * min(max(p, 0), 1)
    let lo = Int(h.rounded(.down))
    let hi = min(lo + 1, x.count - 1)
    return x[lo] + (h - Double(lo)) * (x[hi] - x[lo])
}

/// The line R's `qqline` draws: through the first and third quartiles of the sample against the
/// standard normal quartiles. Nil for fewer than two finite values.
public func quartileLine(_ values: [Double]) -> (intercept: Double, slope: Double)? {
    guard values.filter({ $0.isFinite }).count >= 2,
          let y1 = sampleQuantile(values, 0.25), let y3 = sampleQuantile(values, 0.75) else { return nil }
    let x1 = normalQuantile(0.25), x3 = normalQuantile(0.75)
    let slope = (y3 - y1) / (x3 - x1)
    return (y1 - slope * x1, slope)
}
