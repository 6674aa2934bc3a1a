import SparseLMM

/// The response of a GLMM as the family needs it: y (for the binomial, the proportion of
/// successes), the prior weights (for the binomial, the number of trials), and the offset,
/// validated against the family.
struct GLMMResponse {
    var y: [Double]
    var weights: [Double]
    var offset: [Double]
    /// Whether the user supplied prior weights (other than binomial trials).
    var hasWeights: Bool

    init(design: MixedModelDesign, family: Family) throws {
        let n = design.nobs
        let row = { (i: Int) in design.dataRows[i] + 1 }
        offset = design.offset ?? [Double](repeating: 0, count: n)
        hasWeights = design.weights != nil
        switch family {
        case .binomial:
            switch design.response {
            case .counts(let s, let f):
                if design.weights != nil { throw GLMMError.weightsWithCountsResponse }
                var y = [Double](repeating: 0, count: n), w = y
                for i in 0..<n {
                    if s[i] < 0 || f[i] < 0 { throw GLMMError.negativeSuccessesOrFailures(row: row(i), successes: s[i], failures: f[i]) }
                    let t = s[i] + f[i]
                    if t == 0 { throw GLMMError.zeroTrials(row: row(i)) }
                    if s[i] != s[i].rounded() { throw GLMMError.nonIntegerTrials(row: row(i), value: s[i]) }
                    if f[i] != f[i].rounded() { throw GLMMError.nonIntegerFailures(row: row(i), value: f[i]) }
                    y[i] = s[i] / t
                    w[i] = t
                }
                self.y = y
                self.weights = w
            case .factor(let codes, _):
                y = codes.map { $0 > 0 ? 1 : 0 }
                weights = design.weights ?? [Double](repeating: 1, count: n)
            case .numeric(let v):
                let w = design.weights
                for i in 0..<n {
                    if v[i] < 0 || v[i] > 1 { throw GLMMError.binomialResponseOutOfRange(row: row(i), value: v[i]) }
                    if let w {
                        let k = v[i] * w[i]
                        if abs(k - k.rounded()) > 1e-7 * max(1, w[i]) { throw GLMMError.nonIntegerTrials(row: row(i), value: k) }
                    } else if v[i] != 0 && v[i] != 1 {
                        throw GLMMError.binomialNeedsTrials(row: row(i), value: v[i])
                    }
                }
                y = v
                weights = w ?? [Double](repeating: 1, count: n)
            }
        case .poisson, .negativeBinomial:
            guard case .numeric(let v) = design.response else {
                if case .counts = design.response {
                    throw ModelError.invalidOption("cbind() responses are for the binomial family")
                }
                throw GLMMError.categoricalCountResponse(design.responseName)
            }
            for i in 0..<n {
                if v[i] < 0 { throw GLMMError.negativeCount(response: design.responseName, row: row(i), value: v[i]) }
                if v[i] != v[i].rounded() { throw GLMMError.nonIntegerCount(response: design.responseName, row: row(i), value: v[i]) }
            }
            y = v
            weights = design.weights ?? [Double](repeating: 1, count: n)
        }
    }
}
