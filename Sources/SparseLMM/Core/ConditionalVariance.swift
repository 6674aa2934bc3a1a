extension RandomEffectsFactor {
    /// Conditional covariance matrices of the random effects, one k × k block per level of each
    /// term: scale · λ C λ' with C the level's diagonal block of (Λ'Z'WZΛ + I)⁻¹ (lme4's
    /// `condVar`, conditional on β̂). C = Y'Y with Y = L⁻¹ P E for the level's unit vectors E,
    /// solved in batches of right-hand sides.
    func conditionalCovariances(scale: Double) throws -> [[Double]] {
        let q = pattern.q
        var out = [[Double]]()
        let batchColumns = 256
        var rhs = [Double]()
        for t in 0..<covariance.count {
            let k = pattern.k[t], cs = pattern.columnStart[t], levels = pattern.levels[t]
            let l = lambda(ofTerm: t)
            var blocks = [Double](repeating: 0, count: levels * k * k)
            let perBatch = max(1, batchColumns / k)
            var first = 0
            while first < levels {
                let count = min(perBatch, levels - first)
                let m = count * k
                if rhs.count < q * m { rhs = [Double](repeating: 0, count: q * m) }
                for j in 0..<(q * m) { rhs[j] = 0 }
                for a in 0..<count {
                    for r in 0..<k {
                        rhs[Int(invPerm[cs + (first + a) * k + r]) + (a * k + r) * q] = 1
                    }
                }
                try rhs.withUnsafeMutableBufferPointer { try solveL($0.baseAddress!, columns: m) }
                for a in 0..<count {
                    // C = Y'Y over the level's k columns
                    var c = [Double](repeating: 0, count: k * k)
                    for r in 0..<k {
                        for s in 0...r {
                            var acc = 0.0
                            let br = (a * k + r) * q, bs = (a * k + s) * q
                            for i in 0..<q { acc += rhs[br + i] * rhs[bs + i] }
                            c[r + s * k] = acc
                            c[s + r * k] = acc
                        }
                    }
                    // scale · λ C λ'
                    let base = (first + a) * k * k
                    for i in 0..<k {
                        for j in 0..<k {
                            var acc = 0.0
                            for u in 0...i { for w in 0...j { acc += l[i + u * k] * c[u + w * k] * l[j + w * k] } }
                            blocks[base + i + j * k] = scale * acc
                        }
                    }
                }
                first += count
            }
            out.append(blocks)
        }
        return out
    }
}
