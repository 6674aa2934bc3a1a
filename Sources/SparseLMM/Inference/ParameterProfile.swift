/// The likelihood profile of one parameter: the signed square root of the deviance increase,
/// ζ(x) = sign(x − x̂)·√(d(x) − d(x̂)) with d(x) the deviance minimised over the other
/// parameters with this one held at x, at points on both sides of the estimate (lme4's
/// `profile`). ζ is close to a straight line when the likelihood is close to quadratic; the
/// confidence interval at level 1 − α is where ζ = ∓z₁₋α/₂.
public struct ParameterProfile: Sendable {
    /// The parameter's name.
    public let name: String
    /// Its position among the profiled deviance's parameters.
    public let index: Int
    /// The estimate (ζ = 0).
    public let estimate: Double
    /// The parameter's lower limit (0 for a standard deviation, −1 for a correlation, −∞).
    public let lowerLimit: Double
    /// The parameter's upper limit.
    public let upperLimit: Double
    /// The parameter values profiled, ascending (the estimate included).
    public internal(set) var values: [Double]
    /// ζ at each value.
    public internal(set) var zeta: [Double]
    /// All parameters at the constrained minimum at each value (lme4's profile columns).
    public internal(set) var parameters: [[Double]]
    /// Whether the profile reached the lower limit.
    public internal(set) var reachedLowerLimit: Bool
    /// Whether the profile reached the upper limit.
    public internal(set) var reachedUpperLimit: Bool
    /// Problems met while profiling (a non-monotone profile, a lower deviance found).
    public internal(set) var warnings: [String]

    /// The confidence interval at `level`: where ζ crosses ∓z. An end that the profile does not
    /// reach before the parameter's limit is the limit (lme4: e.g. 0 for a standard deviation
    /// whose profile stays above −z); nil where the profile was not computed far enough.
    /// Exact (to the root-finding tolerance) at the levels the profile was computed for;
    /// interpolated monotonically between computed points at other levels.
    public func confidenceInterval(level: Double) -> (lower: Double?, upper: Double?) {
        let z = normalQuantile(1 - (1 - level) / 2)
        return (end(target: z, direction: -1), end(target: z, direction: 1))
    }

    /// ζ at a parameter value by monotone interpolation of the computed points (nil outside them).
    public func zeta(at value: Double) -> Double? {
        guard let first = values.first, let last = values.last, value >= first, value <= last else { return nil }
        guard let f = MonotoneInterpolation(x: values, y: zeta) else { return values.count == 1 ? zeta[0] : nil }
        return f(value)
    }

    /// The end point on one side: the crossing of |ζ| = target walking away from the estimate.
    func end(target: Double, direction d: Double) -> Double? {
        guard let center = values.firstIndex(of: estimate) else { return nil }
        // the side's points ordered away from the estimate: (value, |ζ|)
        var side = [(x: Double, a: Double)]()
        var i = center
        while i >= 0 && i < values.count {
            side.append((values[i], abs(zeta[i])))
            i += d > 0 ? 1 : -1
        }
        for k in 1..<max(side.count, 1) where side[k].a >= target {
            if side[k].a == target { return side[k].x }
            // interpolate x as a function of |ζ| over the side's monotone run up to k + 1
            var xs = [Double](), zs = [Double]()
            for m in 0..<min(side.count, k + 2) where zs.isEmpty || side[m].a > zs.last! {
                zs.append(side[m].a); xs.append(side[m].x)
            }
            if let f = MonotoneInterpolation(x: zs, y: xs), zs.contains(side[k].a), zs.contains(side[k - 1].a) {
                return f(target)
            }
            let (a, b) = (side[k - 1], side[k])
            return a.x + (target - a.a) / (b.a - a.a) * (b.x - a.x)
        }
        let reached = d > 0 ? reachedUpperLimit : reachedLowerLimit
        if reached || estimate == (d > 0 ? upperLimit : lowerLimit) { return d > 0 ? upperLimit : lowerLimit }
        return nil
    }
}
