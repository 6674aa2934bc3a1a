/// Piecewise cubic Hermite interpolation that preserves monotonicity (Fritsch and Carlson,
/// 1980; the slopes of MATLAB's `pchip`): through points with increasing x, the interpolant is
/// monotone wherever the data are, and never overshoots them. Used to read a likelihood
/// profile between its computed points (lme4 fits an interpolating spline instead) and to
/// draw it.
public struct MonotoneInterpolation: Sendable {
    /// The abscissae, strictly increasing.
    public let x: [Double]
    /// The ordinates.
    public let y: [Double]
    /// The derivative at each point.
    let slopes: [Double]

    /// The interpolant through (x[i], y[i]); nil when there are fewer than two points or the x
    /// are not strictly increasing.
    public init?(x: [Double], y: [Double]) {
        let n = x.count
        guard n >= 2, y.count == n else { return nil }
        for i in 1..<n where !(x[i] > x[i - 1]) { return nil }
        self.x = x
        self.y = y
        var h = [Double](repeating: 0, count: n - 1), delta = h
        for i in 0..<(n - 1) { h[i] = x[i + 1] - x[i]; delta[i] = (y[i + 1] - y[i]) / h[i] }
        var d = [Double](repeating: 0, count: n)
        if n == 2 {
            d[0] = delta[0]; d[1] = delta[0]
        } else {
            for i in 1..<(n - 1) {
                if delta[i - 1] * delta[i] <= 0 {
                    d[i] = 0
                } else {
                    // weighted harmonic mean of the neighbouring secants
                    let w1 = 2 * h[i] + h[i - 1], w2 = h[i] + 2 * h[i - 1]
                    d[i] = (w1 + w2) / (w1 / delta[i - 1] + w2 / delta[i])
                }
            }
            d[0] = MonotoneInterpolation.endSlope(h[0], h[1], delta[0], delta[1])
            d[n - 1] = MonotoneInterpolation.endSlope(h[n - 2], h[n - 3], delta[n - 2], delta[n - 3])
        }
        slopes = d
    }

    /// The one-sided three-point end slope, limited to keep the interpolant monotone.
    static func endSlope(_ h0: Double, _ h1: Double, _ d0: Double, _ d1: Double) -> Double {
        var d = ((2 * h0 + h1) * d0 - h0 * d1) / (h0 + h1)
        if d * d0 <= 0 {
            d = 0
        } else if d0 * d1 <= 0 && abs(d) > abs(3 * d0) {
            d = 3 * d0
        }
        return d
    }

    /// The interpolant at t; outside [x₀, xₙ₋₁], the end point's value (no extrapolation).
    public func callAsFunction(_ t: Double) -> Double {
        let n = x.count
        if t <= x[0] { return y[0] }
        if t >= x[n - 1] { return y[n - 1] }
        var lo = 0, hi = n - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if x[mid] <= t { lo = mid } else { hi = mid }
        }
        let h = x[hi] - x[lo]
        let s = (t - x[lo]) / h
        let h00 = (1 + 2 * s) * (1 - s) * (1 - s), h10 = s * (1 - s) * (1 - s)
        let h01 = s * s * (3 - 2 * s), h11 = s * s * (s - 1)
        return h00 * y[lo] + h10 * h * slopes[lo] + h01 * y[hi] + h11 * h * slopes[hi]
    }
}
