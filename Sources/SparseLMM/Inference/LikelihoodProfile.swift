#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Likelihood profiles of a mixed model's parameters and the profile confidence intervals
/// (lme4's `profile` and `confint(m, method = "profile")`).
///
/// For each parameter, the deviance is minimised over all the others with the parameter held
/// at a sequence of values stepping away from the estimate on both sides (steps chosen so that
/// ζ advances by about `zetaStep` per point, as lme4 does) until |ζ| exceeds `zetaMax` or the
/// parameter's limit is reached. The interval end points are then found exactly by Brent's
/// method on ζ(x) = ∓z between the bracketing points (lme4 interpolates a spline through the
/// points instead; the two agree to the spline's accuracy).
public struct LikelihoodProfile: Sendable {
    /// The profiles, in the deviance's parameter order (those asked for).
    public let profiles: [ParameterProfile]
    /// The minimum deviance profiled from.
    public let minimumDeviance: Double
    /// The levels whose interval end points were found exactly.
    public let levels: [Double]

    /// The profile of a parameter by name.
    public subscript(name: String) -> ParameterProfile? { profiles.first { $0.name == name } }

    /// Every problem met, prefixed with the parameter's name.
    public var warnings: [String] { profiles.flatMap { p in p.warnings.map { "\(p.name): \($0)" } } }

    /// The profile confidence intervals at `level`, as lme4's `confint(m, method = "profile")`.
    public func confidenceIntervals(level: Double = 0.95) throws -> ConfidenceIntervals {
        try checkLevel(level)
        let rows = profiles.map { p -> ConfidenceInterval in
            let (lo, hi) = p.confidenceInterval(level: level)
            return ConfidenceInterval(name: p.name, lower: lo, upper: hi)
        }
        var notes = warnings
        if rows.contains(where: { $0.lower == nil || $0.upper == nil }) {
            notes.append("some end points lie beyond the profiled range (NA); profile with a larger zetaMax")
        }
        return ConfidenceIntervals(method: .profile, level: level, intervals: rows, notes: notes)
    }

    /// Options of the profile computation.
    public struct Options: Sendable {
        /// Levels whose interval end points are found exactly (by root finding).
        public var levels: [Double] = [0.95]
        /// Profile each side until |ζ| exceeds this (at least the largest level's z).
        public var zetaMax: Double? = nil
        /// The increase of ζ aimed at between neighbouring points (lme4: about 0.5).
        public var zetaStep = 0.5
        /// The most points per side.
        public var maximumPoints = 60
        /// Relative tolerance of the end points.
        public var tolerance = 1e-9

        /// Options with the given levels and ζ limit, the other settings at their defaults.
        public init(levels: [Double] = [0.95], zetaMax: Double? = nil) {
            self.levels = levels
            self.zetaMax = zetaMax
        }
    }

    /// Profiles the parameters `which` (names; all when nil) of a deviance, one after the other.
    /// `progress` is called with (parameters done, parameters asked for) after each one.
    public static func compute(_ deviance: ProfiledDeviance, which: [String]? = nil, options: Options = Options(),
                               progress: ((Int, Int) -> Void)? = nil) throws -> LikelihoodProfile {
        let indices = try selectedIndices(names: deviance.parameterNames, which: which)
        try validate(options)
        var profiles = [ParameterProfile]()
        for (k, i) in indices.enumerated() {
            profiles.append(try profileParameter(i, of: deviance, options: options))
            progress?(k + 1, indices.count)
        }
        return LikelihoodProfile(profiles: profiles, minimumDeviance: deviance.minimumDeviance, levels: options.levels)
    }

    /// Profiles the parameters on `workers` threads, each with its own deviance from
    /// `makeDeviance` (a model is not thread-safe); parameters are handed out one at a time.
    /// `parameterNames` are the deviance's names (known before any deviance is built, so that
    /// no model is built in vain). The result does not depend on the number of workers.
    /// `progress` may be called from any worker (with the number of parameters done so far and
    /// the total).
    public static func compute(workers: Int, parameterNames: [String], which: [String]? = nil, options: Options = Options(),
                               makeDeviance: @escaping @Sendable () throws -> ProfiledDeviance,
                               progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> LikelihoodProfile {
        guard workers >= 1 else { throw InferenceError.invalidWorkerCount(workers) }
        try validate(options)
        let indices = try selectedIndices(names: parameterNames, which: which)
        let total = indices.count
        let counter = WorkCounter(total: total)
        let results = try await BLASThreads.sharing(among: max(1, min(workers, total))) { try await withThrowingTaskGroup(of: (Double, [(Int, ParameterProfile)]).self) { group in
            for _ in 0..<max(1, min(workers, total)) {
                group.addTask {
                    let deviance = try makeDeviance()
                    guard deviance.parameterNames == parameterNames else {
                        throw InferenceError.profileFailed(parameter: "all", reason: "the deviance's parameters are not the names given")
                    }
                    var out = [(Int, ParameterProfile)]()
                    while let k = counter.take() {
                        try Task.checkCancellation()
                        out.append((k, try profileParameter(indices[k], of: deviance, options: options)))
                        progress?(counter.finish(), total)
                    }
                    return (deviance.minimumDeviance, out)
                }
            }
            var minimum = Double.infinity
            var all = [(Int, ParameterProfile)]()
            for try await (m, part) in group {
                minimum = min(minimum, m)
                all += part
            }
            return (minimum, all)
        } }
        let profiles = results.1.sorted { $0.0 < $1.0 }.map { $0.1 }
        return LikelihoodProfile(profiles: profiles, minimumDeviance: results.0, levels: options.levels)
    }

    static func validate(_ options: Options) throws {
        for l in options.levels { try checkLevel(l) }
        guard options.zetaStep > 0, options.maximumPoints >= 2 else {
            throw InferenceError.profileFailed(parameter: "all", reason: "invalid profile options")
        }
    }

    static func selectedIndices(names: [String], which: [String]?) throws -> [Int] {
        guard let which else { return Array(names.indices) }
        return try which.map { w in
            guard let i = names.firstIndex(of: w) else { throw InferenceError.unknownParameter(w, known: names) }
            return i
        }
    }

    /// Profiles one parameter: both sides, then the exact end points for the options' levels.
    static func profileParameter(_ i: Int, of deviance: ProfiledDeviance, options: Options) throws -> ParameterProfile {
        let name = deviance.parameterNames[i]
        let estimates = deviance.estimates
        let xHat = estimates[i]
        let lower = deviance.lowerLimits[i], upper = deviance.upperLimits[i]
        let base = deviance.minimumDeviance
        let targets = options.levels.map { normalQuantile(1 - (1 - $0) / 2) }.sorted()
        let zetaMax = max(options.zetaMax ?? 0, (targets.last ?? 1.96) + 0.05)
        var warnings = [String]()
        var lowestDeviance = 0.0

        /// ζ at x (signed), with all parameters there.
        func evaluate(_ x: Double, start: [Double]) throws -> (zeta: Double, parameters: [Double]) {
            let (dev, pars) = try deviance.constrainedMinimum(parameter: i, value: x, start: start)
            guard dev.isFinite else {
                throw InferenceError.profileFailed(parameter: name, reason: "the deviance is not finite at \(x)")
            }
            let diff = dev - base
            lowestDeviance = min(lowestDeviance, diff)
            return ((x < xHat ? -1 : 1) * max(0, diff).squareRoot(), pars)
        }

        var points = [(x: Double, zeta: Double, pars: [Double])]()
        points.append((xHat, 0, estimates))
        var reached = [false, false]
        for (s, d) in [-1.0, 1.0].enumerated() {
            let limit = d > 0 ? upper : lower
            if xHat == limit { reached[s] = true; continue }
            var side = [(x: Double, zeta: Double, pars: [Double])]()
            var prev = (x: xHat, zeta: 0.0, pars: estimates)
            var step = abs(deviance.initialStep(parameter: i))
            if !(step > 0) || !step.isFinite { step = max(abs(xHat), 1) * 0.01 }
            var lastStep = step
            var count = 0
            while true {
                var x = prev.x + d * step
                if (d > 0 && x >= limit) || (d < 0 && x <= limit) { x = limit }
                let (z, pars) = try evaluate(x, start: prev.pars)
                let point = (x: x, zeta: z, pars: pars)
                side.append(point)
                count += 1
                if abs(z) >= zetaMax { break }
                if x == limit { reached[s] = true; break }
                if count >= options.maximumPoints {
                    warnings.append("the profile stopped after \(count) points at ζ = \(z) on the \(d > 0 ? "upper" : "lower") side")
                    break
                }
                // secant step aiming at a ζ increase of zetaStep, at most 10 times the last step
                let rise = abs(z) - abs(prev.zeta)
                let run = abs(x - prev.x)
                var next: Double
                if rise > 0 {
                    next = run * min(options.zetaStep, zetaMax + 0.05 - abs(z)) / rise
                    next = max(next, run * 0.1)
                } else {
                    if rise < -1e-6 { warnings.append("non-monotone profile near \(x)") }
                    next = run * 2
                }
                next = min(next, 10 * lastStep)
                lastStep = next
                step = next
                prev = point
            }
            if d < 0 { points.insert(contentsOf: side.reversed(), at: 0) } else { points.append(contentsOf: side) }
        }

        // exact end points by Brent's method between bracketing points
        for z in targets {
            for d in [-1.0, 1.0] {
                guard let c = points.firstIndex(where: { $0.x == xHat }) else { continue }
                var k = c
                var bracket: (Int, Int)? = nil
                while true {
                    let next = k + (d > 0 ? 1 : -1)
                    guard next >= 0 && next < points.count else { break }
                    if abs(points[next].zeta) >= z {
                        if abs(points[next].zeta) > z && abs(points[k].zeta) < z { bracket = (k, next) }
                        break
                    }
                    k = next
                }
                guard let (a, b) = bracket else { continue }
                var inserted = [(x: Double, zeta: Double, pars: [Double])]()
                let pa = points[a], pb = points[b]
                let root = try brentRoot(lo: pa.x, hi: pb.x, fLo: abs(pa.zeta) - z, fHi: abs(pb.zeta) - z,
                                         tolerance: options.tolerance * max(abs(pa.x), abs(pb.x), abs(pb.x - pa.x))) { x in
                    let nearer = inserted.min { abs($0.x - x) < abs($1.x - x) }
                    let start = nearer.map { abs($0.x - x) < abs(pa.x - x) ? $0.pars : pa.pars } ?? pa.pars
                    let r = try evaluate(x, start: start)
                    inserted.append((x, r.zeta, r.parameters))
                    return abs(r.zeta) - z
                }
                // keep the root as a point with ζ exactly ±z (its ζ is z to within the tolerance)
                if let best = inserted.min(by: { abs($0.x - root) < abs($1.x - root) }) {
                    for p in inserted where p.x != best.x { insertPoint(p, into: &points) }
                    insertPoint((root, d * z, best.pars), into: &points)
                }
            }
        }
        if lowestDeviance < -1e-6 * max(1, abs(base)) {
            warnings.append("profiling found a deviance \(-lowestDeviance) below the minimum: the fit may not be at its optimum")
        }
        // the profile should increase with x; flag decreases beyond noise
        for k in 1..<points.count where points[k].zeta < points[k - 1].zeta - 1e-3 {
            warnings.append("non-monotone profile between \(points[k - 1].x) and \(points[k].x)")
            break
        }
        var profile = ParameterProfile(name: name, index: i, estimate: xHat, lowerLimit: lower, upperLimit: upper,
                                       values: points.map { $0.x }, zeta: points.map { $0.zeta }, parameters: points.map { $0.pars },
                                       reachedLowerLimit: reached[0], reachedUpperLimit: reached[1], warnings: [])
        var seen = Set<String>()
        profile.warnings = warnings.filter { seen.insert($0).inserted }
        return profile
    }

    /// Inserts a point keeping the values ascending (replacing a point at the same value).
    static func insertPoint(_ p: (x: Double, zeta: Double, pars: [Double]), into points: inout [(x: Double, zeta: Double, pars: [Double])]) {
        if let k = points.firstIndex(where: { $0.x == p.x }) {
            points[k] = p
            return
        }
        let k = points.firstIndex { $0.x > p.x } ?? points.count
        points.insert(p, at: k)
    }
}
