import CSparseShim

/// The outcome of a bounded minimisation.
public struct OptimizerResult: Sendable {
    /// The minimiser found.
    public var x: [Double]
    /// The objective there.
    public var value: Double
    /// Objective evaluations used.
    public var evaluations: Int
    /// Whether the optimiser stopped because its tolerances were met.
    public var converged: Bool
    /// The optimiser's own account of why it stopped.
    public var message: String
}

/// Errors of the optimisation layer.
public enum OptimizerError: Error, CustomStringConvertible {
    /// NLopt could not create or configure the optimiser (the call that failed).
    case setupFailed(String)
    public var description: String {
        switch self {
        case .setupFailed(let m): return "the optimiser could not be set up: \(m)"
        }
    }
}

/// Derivative-free minimisation with bound constraints: Powell's BOBYQA (through NLopt), the
/// optimiser lme4 uses for `lmer`. The objective may throw; the error ends the run and is rethrown.
public struct BoundedOptimizer: Sendable {
    /// Stop when an iteration changes the objective by less than this, relative (0: off). The
    /// default, 10⁻¹², is about where a large objective's rounding noise begins (a REML criterion
    /// of 3·10⁶ varies by ~10⁻⁷ between evaluations at θ a few ulps apart): below it BOBYQA's
    /// quadratic model fits noise and wanders (14 of crossed-1m's 46 evaluations). For objectives
    /// under 10⁴ the absolute tolerance stops first, as in lme4.
    public var relativeFunctionTolerance = 1e-12
    /// Stop when an iteration changes the objective by less than this, absolute.
    public var absoluteFunctionTolerance = 1e-8
    /// Stop when every coordinate changes by less than this.
    public var absoluteParameterTolerance = 1e-8
    /// Largest number of evaluations.
    public var maxEvaluations = 100_000
    /// Initial trust-region radius per coordinate; NLopt's default when nil.
    public var initialStep: [Double]? = nil

    /// lme4's settings for `lmer` (nloptwrap: BOBYQA, xtol_abs = ftol_abs = 1e-8), which reach
    /// lme4's optimum along the same path, and a relative tolerance at the rounding noise of large
    /// objectives (MixedModels.jl's ftol_rel = 1e-12).
    public init() {}

    /// Tighter tolerances (relative 1e-12 on the objective, 1e-10 on θ): a more precise optimum
    /// at the cost of more evaluations.
    public static var precise: BoundedOptimizer {
        var o = BoundedOptimizer()
        o.relativeFunctionTolerance = 1e-12
        o.absoluteFunctionTolerance = 1e-10
        o.absoluteParameterTolerance = 1e-10
        return o
    }

    /// Minimises f over the box [lower, upper] starting from `start`.
    public func minimize(start: [Double], lower: [Double], upper: [Double],
                         _ f: @escaping (UnsafeBufferPointer<Double>) throws -> Double) throws -> OptimizerResult {
        let n = start.count
        guard n > 0 else {
            let v = try [Double]().withUnsafeBufferPointer { try f($0) }
            return OptimizerResult(x: [], value: v, evaluations: 1, converged: true, message: "no parameters")
        }
        // BOBYQA needs at least two parameters in NLopt's implementation; for one parameter use
        // NLopt's bounded derivative-free method for one dimension as well (BOBYQA works with n = 1).
        guard let opt = nlopt_create(NLOPT_LN_BOBYQA, UInt32(n)) else { throw OptimizerError.setupFailed("nlopt_create") }
        defer { nlopt_destroy(opt) }
        let box = ObjectiveBox(f)
        var lo = lower, hi = upper
        nlopt_set_lower_bounds(opt, &lo)
        nlopt_set_upper_bounds(opt, &hi)
        nlopt_set_ftol_rel(opt, relativeFunctionTolerance)
        nlopt_set_ftol_abs(opt, absoluteFunctionTolerance)
        nlopt_set_xtol_abs1(opt, absoluteParameterTolerance)
        nlopt_set_maxeval(opt, Int32(maxEvaluations))
        if var step = initialStep { nlopt_set_initial_step(opt, &step) }
        let unmanaged = Unmanaged.passRetained(box)
        defer { unmanaged.release() }
        nlopt_set_min_objective(opt, { n, x, _, data in
            let box = Unmanaged<ObjectiveBox>.fromOpaque(data!).takeUnretainedValue()
            return box.evaluate(UnsafeBufferPointer(start: x, count: Int(n)))
        }, unmanaged.toOpaque())
        box.optimizer = opt
        var x = start
        for i in 0..<n { x[i] = min(max(x[i], lower[i]), upper[i]) }
        var fmin = 0.0
        let status = withExtendedLifetime(box) { nlopt_optimize(opt, &x, &fmin) }
        if let e = box.error { throw e }
        let converged = status == NLOPT_FTOL_REACHED || status == NLOPT_XTOL_REACHED || status == NLOPT_SUCCESS
            || status == NLOPT_STOPVAL_REACHED
        // NLopt reports the best point it evaluated
        return OptimizerResult(x: x, value: fmin, evaluations: box.count, converged: converged,
                               message: BoundedOptimizer.describe(status))
    }

    /// Minimises f over the box with a quasi-Newton method that uses the gradient (NLopt's
    /// low-storage BFGS with bound constraints). `f` returns the value and writes the gradient
    /// into its second argument when that is non-nil.
    public func minimizeWithGradient(start: [Double], lower: [Double], upper: [Double],
                                     _ f: @escaping (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>?) throws -> Double) throws -> OptimizerResult {
        let n = start.count
        guard let opt = nlopt_create(NLOPT_LD_LBFGS, UInt32(n)) else { throw OptimizerError.setupFailed("nlopt_create") }
        defer { nlopt_destroy(opt) }
        let box = GradientObjectiveBox(f)
        var lo = lower, hi = upper
        nlopt_set_lower_bounds(opt, &lo)
        nlopt_set_upper_bounds(opt, &hi)
        nlopt_set_ftol_rel(opt, relativeFunctionTolerance)
        nlopt_set_ftol_abs(opt, absoluteFunctionTolerance)
        nlopt_set_xtol_abs1(opt, absoluteParameterTolerance)
        nlopt_set_maxeval(opt, Int32(maxEvaluations))
        let unmanaged = Unmanaged.passRetained(box)
        defer { unmanaged.release() }
        nlopt_set_min_objective(opt, { n, x, grad, data in
            let box = Unmanaged<GradientObjectiveBox>.fromOpaque(data!).takeUnretainedValue()
            return box.evaluate(UnsafeBufferPointer(start: x, count: Int(n)),
                                grad.map { UnsafeMutableBufferPointer(start: $0, count: Int(n)) })
        }, unmanaged.toOpaque())
        box.optimizer = opt
        var x = start
        for i in 0..<n { x[i] = min(max(x[i], lower[i]), upper[i]) }
        var fmin = 0.0
        let status = withExtendedLifetime(box) { nlopt_optimize(opt, &x, &fmin) }
        if let e = box.error { throw e }
        let converged = status == NLOPT_FTOL_REACHED || status == NLOPT_XTOL_REACHED || status == NLOPT_SUCCESS
            || status == NLOPT_STOPVAL_REACHED
        return OptimizerResult(x: x, value: fmin, evaluations: box.count, converged: converged,
                               message: BoundedOptimizer.describe(status))
    }

    static func describe(_ s: nlopt_result) -> String {
        switch s {
        case NLOPT_SUCCESS: return "success"
        case NLOPT_STOPVAL_REACHED: return "objective reached the stop value"
        case NLOPT_FTOL_REACHED: return "objective tolerance reached"
        case NLOPT_XTOL_REACHED: return "parameter tolerance reached"
        case NLOPT_MAXEVAL_REACHED: return "maximum number of evaluations reached"
        case NLOPT_MAXTIME_REACHED: return "time limit reached"
        case NLOPT_ROUNDOFF_LIMITED: return "stopped by round-off errors"
        case NLOPT_FORCED_STOP: return "stopped"
        case NLOPT_OUT_OF_MEMORY: return "out of memory"
        case NLOPT_INVALID_ARGS: return "invalid arguments"
        default: return "failed (NLopt status \(s.rawValue))"
        }
    }
}

/// Carries the Swift objective through NLopt's `void *` and holds an error thrown by it.
final class ObjectiveBox {
    let f: (UnsafeBufferPointer<Double>) throws -> Double
    var error: Error? = nil
    var count = 0
    var optimizer: nlopt_opt? = nil

    init(_ f: @escaping (UnsafeBufferPointer<Double>) throws -> Double) { self.f = f }

    func evaluate(_ x: UnsafeBufferPointer<Double>) -> Double {
        count += 1
        do {
            return try f(x)
        } catch {
            self.error = error
            if let o = optimizer { nlopt_force_stop(o) }
            return .infinity
        }
    }
}

/// Carries a Swift objective with gradient through NLopt's `void *`.
final class GradientObjectiveBox {
    let f: (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>?) throws -> Double
    var error: Error? = nil
    var count = 0
    var optimizer: nlopt_opt? = nil

    init(_ f: @escaping (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>?) throws -> Double) { self.f = f }

    func evaluate(_ x: UnsafeBufferPointer<Double>, _ g: UnsafeMutableBufferPointer<Double>?) -> Double {
        count += 1
        do {
            return try f(x, g)
        } catch {
            self.error = error
            if let o = optimizer { nlopt_force_stop(o) }
            return .infinity
        }
    }
}
