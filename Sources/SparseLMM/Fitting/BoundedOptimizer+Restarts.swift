extension BoundedOptimizer {
    /// BOBYQA from `start`, then lme4's `restart_edge` generalised: for each parameter that ends
    /// on its lower bound and has a `probe` step, if the objective decreases when the parameter
    /// leaves the bound by the step, optimise again from there (BOBYQA started on a bound can
    /// stay on it when the minimum lies just inside). Returns the best point found.
    public func minimizeLeavingBounds(start: [Double], lower: [Double], upper: [Double], probe: [Double?],
                                      _ f: @escaping ([Double]) throws -> Double) throws -> (x: [Double], value: Double) {
        let r = try minimize(start: start, lower: lower, upper: upper) { try f(Array($0)) }
        var best = (x: r.x, value: try f(r.x))
        for _ in 0..<3 {
            var moved = best.x
            var any = false
            for k in best.x.indices {
                guard let h = probe[k], best.x[k] == lower[k] else { continue }
                var trial = best.x
                trial[k] = lower[k] + h
                if try f(trial) < best.value { moved[k] = lower[k] + h; any = true }
            }
            guard any else { break }
            var opt = self
            opt.initialStep = nil
            let again = try opt.minimize(start: moved, lower: lower, upper: upper) { try f(Array($0)) }
            let value = try f(again.x)
            if value < best.value - 1e-12 { best = (again.x, value) } else { break }
        }
        return best
    }
}
