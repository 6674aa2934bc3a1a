/// Designs derived from a design: the same observations, random-effects structure and weights
/// with another response, another offset, or one fixed effect held at a value. They share the
/// data table and terms with the original (nothing of the random-effects structure is rebuilt),
/// so they are cheap; a model built from one needs its own symbolic analysis as usual.
extension MixedModelDesign {
    /// The design with `response` in place of the observed response (a simulated response for a
    /// parametric bootstrap, for instance). The response must have one value per observation used
    /// and be of a kind the model accepts (numeric for a Gaussian model; for a binomial model a
    /// proportion, successes and failures, or a two-level factor).
    public func replacingResponse(_ response: ResponseValues) throws -> MixedModelDesign {
        let count: Int
        switch response {
        case .numeric(let y): count = y.count
        case .factor(let codes, _): count = codes.count
        case .counts(let s, let f):
            guard s.count == f.count else {
                throw ModelError.invalidOption("a replacement response has \(s.count) successes but \(f.count) failures")
            }
            count = s.count
        }
        guard count == nobs else {
            throw ModelError.invalidOption("a replacement response has \(count) values; the model uses \(nobs) observations")
        }
        var copy = self
        copy.response = response
        return copy
    }

    /// The design with a numeric response `y` (one value per observation used).
    public func replacingResponse(_ y: [Double]) throws -> MixedModelDesign {
        try replacingResponse(.numeric(y))
    }

    /// The design with `offset` (nil: none) as the total offset of the linear predictor.
    public func replacingOffset(_ offset: [Double]?) throws -> MixedModelDesign {
        if let offset, offset.count != nobs {
            throw ModelError.invalidOption("a replacement offset has \(offset.count) values; the model uses \(nobs) observations")
        }
        var copy = self
        copy.offset = offset
        return copy
    }

    /// The design with fixed effect `j` held at `value`: column j of X is removed (with its
    /// name and recipe) and X[:, j]·value is added to the offset. A model of this design estimates
    /// the other fixed effects with βⱼ fixed — what a likelihood profile of βⱼ optimises.
    /// The design may be left with no fixed-effect columns (p = 0), which linear mixed models
    /// accept for this purpose.
    public func fixingFixedEffect(_ j: Int, at value: Double) -> MixedModelDesign {
        precondition(j >= 0 && j < p, "fixed effect index out of range")
        let n = nobs
        var copy = self
        var total = offset ?? [Double](repeating: 0, count: n)
        let column = j * n
        for i in 0..<n { total[i] += X[column + i] * value }
        copy.offset = total
        copy.X.removeSubrange(column..<(column + n))
        copy.fixedRecipe = fixedRecipe.keeping((0..<p).filter { $0 != j })
        return copy
    }

    /// Column j of X (n values).
    public func fixedEffectColumn(_ j: Int) -> [Double] {
        precondition(j >= 0 && j < p, "fixed effect index out of range")
        return Array(X[(j * nobs)..<((j + 1) * nobs)])
    }
}
