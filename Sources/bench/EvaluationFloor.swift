import SparseLMM
import CSparseShim

/// The work an exact evaluation of a crossed design cannot avoid, whatever the engine.
///
/// With two crossed scalar intercepts, order the larger factor's q₁ random effects first: their
/// block Λ₁'Z₁'Z₁Λ₁ + I is diagonal, so eliminating it costs nothing beyond forming the Schur
/// complement on the smaller factor's q₂ levels,
///
///     S = Λ₂'Z₂'Z₂Λ₂ + I − Σⱼ (1 / dⱼ) aⱼaⱼ',   aⱼ = Λ₂'Z₂'Z₁Λ₁eⱼ,
///
/// one rank-one update of cⱼ(cⱼ + 1)/2 entries per level j of the larger factor (cⱼ: the
/// smaller factor's levels that level j meets). On these designs S fills in, so it is then
/// factorised densely: q₂³/3 flops (CHOLMOD's count when smaller: S not quite dense). The floor of one evaluation is the time of those updates
/// (timed here with a plain kernel on a packed lower triangle) plus q₂³/3 at this machine's
/// dpotrf rate on a q₂ × q₂ matrix. A GLMM's evaluation needs at least one such factorisation.
struct EvaluationFloor: Codable, Sendable {
    /// The factor eliminated first (more levels) and the one left dense.
    var eliminatedFactor: String
    var denseFactor: String
    /// q₂, the order of the dense Schur complement.
    var denseOrder: Int
    /// Σⱼ cⱼ(cⱼ + 1)/2.
    var scatteredUpdates: Double
    /// q₂³/3, or CHOLMOD's flop count of the whole factorisation when that is smaller (the Schur
    /// complement then does not fill in completely, as on InstEval).
    var denseFlops: Double
    /// dpotrf's rate on a q₂ × q₂ matrix with the run's BLAS threads (GFLOP/s).
    var denseGflops: Double
    /// Measured time of one scattered update (ns).
    var nanosecondsPerUpdate: Double
    var denseSeconds: Double
    var scatterSeconds: Double
    /// denseSeconds + scatterSeconds.
    var seconds: Double
    /// True when the design has more random-effects terms than these two (they are not counted).
    var otherTermsIgnored: Bool

    /// The floor for the two scalar-intercept terms with the most levels, or nil when the design
    /// has no such crossed pair (a nested pair meets one level of the smaller factor per level).
    static func compute(design: MixedModelDesign, factorisationFlops: Double) -> EvaluationFloor? {
        let scalar = design.terms.filter { $0.columnNames == ["(Intercept)"] }
            .sorted { $0.levelCount > $1.levelCount }
        guard scalar.count >= 2 else { return nil }
        let big = scalar[0]
        guard let small = scalar.dropFirst().first(where: { $0.factor.name != big.factor.name }) else { return nil }
        let q2 = small.levelCount
        // the distinct (big, small) pairs, as lists of small levels per big level
        let n = design.nobs
        var keys = [Int64](repeating: 0, count: n)
        big.factor.codes.withUnsafeBufferPointer { b in
            small.factor.codes.withUnsafeBufferPointer { s in
                for i in 0..<n { keys[i] = Int64(b[i]) * Int64(q2) + Int64(s[i]) }
            }
        }
        keys.sort()
        var start = [Int](repeating: 0, count: big.levelCount + 1)
        var members = [Int32]()
        members.reserveCapacity(n)
        var previous: Int64 = -1
        for k in keys where k != previous {
            previous = k
            start[Int(k / Int64(q2)) + 1] += 1
            members.append(Int32(k % Int64(q2)))
        }
        for j in 0..<big.levelCount { start[j + 1] += start[j] }
        var updates = 0.0, crossed = false
        for j in 0..<big.levelCount {
            let c = Double(start[j + 1] - start[j])
            updates += c * (c + 1) / 2
            if c > 1 { crossed = true }
        }
        guard crossed else { return nil }
        let ns = timeScatter(order: q2, start: start, members: members)
        let rate = csshim_dpotrf_rate(Int32(q2), 2) / 1e9
        let flops = min(Double(q2) * Double(q2) * Double(q2) / 3, factorisationFlops)
        let denseSeconds = rate > 0 ? flops / (rate * 1e9) : 0
        let scatterSeconds = updates * ns * 1e-9
        return EvaluationFloor(eliminatedFactor: big.factor.name, denseFactor: small.factor.name, denseOrder: q2,
                               scatteredUpdates: updates, denseFlops: flops, denseGflops: rate, nanosecondsPerUpdate: ns,
                               denseSeconds: denseSeconds, scatterSeconds: scatterSeconds,
                               seconds: denseSeconds + scatterSeconds, otherTermsIgnored: design.terms.count > 2)
    }

    /// Nanoseconds per update of the Schur complement's rank-one updates S[a, b] += w·xₐx_b
    /// (a ≥ b) into a packed lower triangle, over the levels in order until about 0.3 s have
    /// passed (all of them if sooner).
    static func timeScatter(order q2: Int, start: [Int], members: [Int32]) -> Double {
        var s = [Double](repeating: 0, count: q2 * (q2 + 1) / 2)
        var done = 0.0
        let t0 = Clock.now()
        s.withUnsafeMutableBufferPointer { packed in
            members.withUnsafeBufferPointer { m in
                for j in 0..<(start.count - 1) {
                    let lo = start[j], hi = start[j + 1]
                    let w = 1 / (1 + Double(hi - lo))
                    for x in lo..<hi {
                        let a = Int(m[x]), row = a * (a + 1) / 2
                        for y in lo...x { packed[row + Int(m[y])] += w }
                    }
                    done += Double((hi - lo) * (hi - lo + 1) / 2)
                    if j % 64 == 63 && Clock.now() - t0 > 0.3 { break }
                }
            }
        }
        let elapsed = Clock.now() - t0
        // keep the result alive
        if s[0] == -1 { print("") }
        return done > 0 ? elapsed / done * 1e9 : 0
    }
}
