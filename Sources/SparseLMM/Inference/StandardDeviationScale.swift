/// lme4's "sdcor" scale of the covariance parameters: for each covariance block, the lower
/// triangle of its covariance matrix Σ column by column (θ's order), with standard deviations
/// on the diagonal and correlations below it. For `(Days | Subject)` that is sd((Intercept)),
/// cor(Days, (Intercept)), sd(Days) — lme4's `.sig01`, `.sig02`, `.sig03`. Standard deviations
/// are in the units of the response: Σ = σ²λλ' for a Gaussian model (σ = 1 for binomial and
/// Poisson models). Profiles and bootstrap intervals are reported on this scale.
public struct StandardDeviationScale: Sendable, Equatable {
    /// One covariance block: its size, its grouping factor and the names of its columns.
    public struct Block: Sendable, Equatable {
        /// Number of columns k of the block (k(k + 1)/2 parameters).
        public var size: Int
        /// The grouping factor's name.
        public var group: String
        /// The names of the block's columns (`(Intercept)`, `Days`).
        public var columns: [String]
    }

    /// The blocks in θ's order.
    public let blocks: [Block]

    /// The scale of a design's covariance parameters.
    public init(design: MixedModelDesign) {
        var blocks = [Block]()
        for term in design.terms {
            for b in term.blocks {
                blocks.append(Block(size: b.size, group: term.factor.name, columns: b.columns.map { term.columnNames[$0] }))
            }
        }
        self.blocks = blocks
    }

    /// Number of parameters (the number of θ's).
    public var count: Int { blocks.reduce(0) { $0 + $1.size * ($1.size + 1) / 2 } }

    /// Whether each parameter is a correlation (else a standard deviation).
    public var isCorrelation: [Bool] {
        var out = [Bool]()
        for b in blocks { for c in 0..<b.size { for r in c..<b.size { out.append(r != c) } } }
        return out
    }

    /// lme4's short names: `.sig01`, `.sig02`, ….
    public var names: [String] { varianceParameterNames(count: count) }

    /// lme4's descriptive names (`signames = FALSE`): `sd_(Intercept)|Subject`,
    /// `cor_Days.(Intercept)|Subject`.
    public var descriptiveNames: [String] {
        var out = [String]()
        for b in blocks {
            for c in 0..<b.size {
                for r in c..<b.size {
                    out.append(r == c ? "sd_\(b.columns[c])|\(b.group)" : "cor_\(b.columns[r]).\(b.columns[c])|\(b.group)")
                }
            }
        }
        return out
    }

    /// For a correlation parameter, the positions of the standard deviations of its row and column.
    public func standardDeviationsOfCorrelation(_ i: Int) -> (row: Int, column: Int)? {
        var t = 0
        for b in blocks {
            var position = [Int: Int]()   // diagonal column -> parameter index
            var pending = [(index: Int, r: Int, c: Int)]()
            for c in 0..<b.size {
                for r in c..<b.size {
                    if r == c { position[c] = t } else { pending.append((t, r, c)) }
                    t += 1
                }
            }
            if let p = pending.first(where: { $0.index == i }) { return (position[p.r]!, position[p.c]!) }
        }
        return nil
    }

    /// Lower limits: 0 for standard deviations, −1 for correlations.
    public var lowerLimits: [Double] { isCorrelation.map { $0 ? -1 : 0 } }
    /// Upper limits: ∞ for standard deviations, 1 for correlations.
    public var upperLimits: [Double] { isCorrelation.map { $0 ? 1 : .infinity } }

    /// The standard deviations and correlations of θ with residual SD σ (lme4's `Cv_to_Sv`).
    /// A correlation involving a zero standard deviation is reported as 0.
    public func sdcor(theta: [Double], sigma: Double) -> [Double] {
        precondition(theta.count == count, "θ has \(theta.count) values; the model has \(count)")
        var out = [Double]()
        out.reserveCapacity(count)
        var t = 0
        for b in blocks {
            let k = b.size
            var lambda = [Double](repeating: 0, count: k * k)
            for c in 0..<k { for r in c..<k { lambda[r + c * k] = theta[t]; t += 1 } }
            var s = [Double](repeating: 0, count: k * k)
            for i in 0..<k {
                for j in 0...i {
                    var acc = 0.0
                    for m in 0...j { acc += lambda[i + m * k] * lambda[j + m * k] }
                    s[i + j * k] = acc
                    s[j + i * k] = acc
                }
            }
            for c in 0..<k {
                for r in c..<k {
                    if r == c {
                        out.append(sigma * s[c + c * k].squareRoot())
                    } else {
                        let d = (s[r + r * k] * s[c + c * k]).squareRoot()
                        out.append(d > 0 ? max(-1, min(1, s[r + c * k] / d)) : 0)
                    }
                }
            }
        }
        return out
    }

    /// θ for standard deviations and correlations with residual SD σ (lme4's `Sv_to_Cv`): the
    /// lower Cholesky factor of each block's Σ/σ². A positive semidefinite Σ (a zero standard
    /// deviation, a correlation of ±1) gets zero columns where its pivots vanish; nil when the
    /// correlations do not form a positive semidefinite matrix (possible for blocks of three or
    /// more) or σ is not positive.
    public func theta(sdcor v: [Double], sigma: Double) -> [Double]? {
        precondition(v.count == count, "\(v.count) values given; the model has \(count) covariance parameters")
        guard sigma > 0, sigma.isFinite else { return nil }
        var theta = [Double]()
        theta.reserveCapacity(count)
        var t = 0
        for b in blocks {
            let k = b.size
            var sd = [Double](repeating: 0, count: k)
            var cor = [Double](repeating: 0, count: k * k)
            for c in 0..<k {
                for r in c..<k {
                    if r == c { sd[c] = v[t] / sigma; cor[c + c * k] = 1 } else { cor[r + c * k] = v[t]; cor[c + r * k] = v[t] }
                    t += 1
                }
            }
            guard sd.allSatisfy({ $0 >= 0 && $0.isFinite }) else { return nil }
            // Σ/σ² = D C D and its lower Cholesky factor, column by column
            var l = [Double](repeating: 0, count: k * k)
            for j in 0..<k {
                let sjj = sd[j] * sd[j]
                var d = sjj
                for m in 0..<j { d -= l[j + m * k] * l[j + m * k] }
                if d < -1e-10 * max(sjj, 1e-300) { return nil }
                if d <= 1e-14 * sjj || d <= 0 {
                    // zero pivot: the column is zero below the diagonal, provided the rest is consistent
                    for i in (j + 1)..<k {
                        var s = sd[i] * sd[j] * cor[i + j * k]
                        for m in 0..<j { s -= l[i + m * k] * l[j + m * k] }
                        if abs(s) > 1e-7 * max(sd[i] * sd[j], 1e-300) { return nil }
                    }
                    continue
                }
                let ljj = d.squareRoot()
                l[j + j * k] = ljj
                for i in (j + 1)..<k {
                    var s = sd[i] * sd[j] * cor[i + j * k]
                    for m in 0..<j { s -= l[i + m * k] * l[j + m * k] }
                    l[i + j * k] = s / ljj
                }
            }
            for c in 0..<k { for r in c..<k { theta.append(l[r + c * k]) } }
        }
        return theta
    }
}
