import CSparseShim
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Derivatives with respect to θ of the pieces of the profiled objective.
public struct ProfiledGradient: Sendable {
    /// ∂ log|A| / ∂θ, with A = Λ'Z'WZΛ + I.
    public var logDetA: [Double]
    /// ∂ log|S| / ∂θ, S the downdated (p + 1) × (p + 1) block: log|S| = log|R_X|² + log r².
    public var logDetS: [Double]
    /// ∂ log|S₁₁| / ∂θ = ∂ log|R_X|² / ∂θ.
    public var logDetRX: [Double]
}

extension PenalizedLeastSquares {
    /// The analytic gradient of the profiled pieces at the θ of the last `evaluate` (call it first).
    ///
    /// With A = Λ'GΛ + I (G = Z'WZ), B = Λ'C (C = Z'W[X z]) and S = D − B'A⁻¹B:
    ///
    ///     ∂ log|A| = 2 tr(A⁻¹ Λ'GΛₖ),   ∂S = Tₖ'E + E'Tₖ,  Tₖ = ΛₖU,  U = A⁻¹B,  E = GΛU − C,
    ///     ∂ log|S| = tr(S⁻¹ ∂S),  ∂ log|S₁₁| = tr(S₁₁⁻¹ ∂S₁₁),
    ///
    /// where Λₖ = ∂Λ/∂θₖ has a single 1 per level block. The traces with A⁻¹ need A⁻¹ only on
    /// the pattern of Z'Z: the selected inverse of the supernodal factor (Takahashi's equations),
    /// about the work of one more factorisation. The rest is O(nnz(Z'Z)·(p + 1) + q·(p + 1)²).
    public func profiledGradient() throws -> ProfiledGradient {
        let factor = self.factor
        let pattern = factor.pattern
        try factor.computeSelectedInverse()
        let m = p + 1
        let nTheta = factor.thetaCount
        // parameter positions per term
        let positions = factor.covariance.map { $0.positions }
        var logDetA = [Double](repeating: 0, count: nTheta)
        let lambdas = (0..<factor.covariance.count).map { factor.lambda(ofTerm: $0) }
        let kmax = pattern.k.max() ?? 1
        var lv = [Double](repeating: 0, count: kmax * kmax)   // λ₁'V (k₁ × k₂)
        // tr(A⁻¹ Λ'GΛₖ) block pair by block pair: for a parameter of term t₂ at (r, c) of λ₂, the
        // block (B₁, B₂) contributes Σᵢ (A⁻¹)[(B₁,i),(B₂,c)] (λ₁'V)[i, r]; for one of t₁ at (r, c),
        // the mirrored block contributes Σᵢ (A⁻¹)[(B₁,c),(B₂,i)] (λ₂'V')[i, r].
        factor.withInverseEntries { inverse in
            pattern.values.withUnsafeBufferPointer { v in
                for pIndex in 0..<pattern.pairCount {
                    let b1 = Int(pattern.pairFirst[pIndex]), b2 = Int(pattern.pairSecond[pIndex])
                    let t1 = Int(pattern.blockTerm[b1]), t2 = Int(pattern.blockTerm[b2])
                    let k1 = pattern.k[t1], k2 = pattern.k[t2]
                    let vo = pattern.pairOffset[pIndex]
                    let diagonal = b1 == b2
                    if k1 == 1 && k2 == 1 {
                        // scalar terms: one parameter each, λ = θ
                        let z = inverse.entry(pair: pIndex, row: 0, column: 0, k1: 1, diagonal: diagonal)
                        let o2 = factor.thetaOffset[t2]
                        logDetA[o2] += 2 * z * lambdas[t1][0] * v[vo]
                        if !diagonal { logDetA[factor.thetaOffset[t1]] += 2 * z * lambdas[t2][0] * v[vo] }
                        continue
                    }
                    lambdas[t1].withUnsafeBufferPointer { l1 in
                        for r in 0..<k2 {
                            for i in 0..<k1 {
                                var w = 0.0
                                for mm in i..<k1 { w += l1[mm + i * k1] * v[vo + mm + r * k1] }
                                lv[i + r * k1] = w
                            }
                        }
                    }
                    for (kk, pos) in positions[t2].enumerated() {
                        var s = 0.0
                        for i in 0..<k1 {
                            s += inverse.entry(pair: pIndex, row: i, column: pos.column, k1: k1, diagonal: diagonal) * lv[i + pos.row * k1]
                        }
                        logDetA[factor.thetaOffset[t2] + kk] += 2 * s
                    }
                    guard !diagonal else { continue }
                    lambdas[t2].withUnsafeBufferPointer { l2 in
                        for r in 0..<k1 {
                            for i in 0..<k2 {
                                var w = 0.0
                                for mm in i..<k2 { w += l2[mm + i * k2] * v[vo + r + mm * k1] }
                                lv[i + r * k2] = w
                            }
                        }
                    }
                    for (kk, pos) in positions[t1].enumerated() {
                        var s = 0.0
                        for i in 0..<k2 {
                            s += inverse.entry(pair: pIndex, row: pos.column, column: i, k1: k1, diagonal: false) * lv[i + pos.row * k2]
                        }
                        logDetA[factor.thetaOffset[t1] + kk] += 2 * s
                    }
                }
            }
        }
        // U = A⁻¹B (original order) from R_ZX = L⁻¹PΛ'C
        let q = self.q
        var uPerm = rzxWorkspace
        try uPerm.withUnsafeMutableBufferPointer { try factor.solveLt($0.baseAddress!, columns: m) }
        var u = [Double](repeating: 0, count: q * m)
        for j in 0..<m {
            for i in 0..<q { u[i + j * q] = uPerm[Int(factor.invPerm[i]) + j * q] }
        }
        // E = G Λ U − C
        var lu = [Double](repeating: 0, count: q * m)
        for t in 0..<factor.covariance.count {
            let k = pattern.k[t], cs = pattern.columnStart[t], l = lambdas[t]
            for a in 0..<pattern.levels[t] {
                let base = cs + a * k
                for j in 0..<m {
                    for r in 0..<k {
                        var s = 0.0
                        for c in 0...r { s += l[r + c * k] * u[base + c + j * q] }
                        lu[base + r + j * q] = s
                    }
                }
            }
        }
        var e = crossProductsWorkspace.map { -$0 }
        pattern.values.withUnsafeBufferPointer { v in
        lu.withUnsafeBufferPointer { lu in
        e.withUnsafeMutableBufferPointer { e in
            for pIndex in 0..<pattern.pairCount {
                let b1 = Int(pattern.pairFirst[pIndex]), b2 = Int(pattern.pairSecond[pIndex])
                let k1 = pattern.k[Int(pattern.blockTerm[b1])], k2 = pattern.k[Int(pattern.blockTerm[b2])]
                let i0 = pattern.firstColumn(ofBlock: b1), j0 = pattern.firstColumn(ofBlock: b2)
                let vo = pattern.pairOffset[pIndex]
                for j in 0..<m {
                    for r in 0..<k1 {
                        var s = 0.0
                        for c in 0..<k2 { s += v[vo + r + c * k1] * lu[j0 + c + j * q] }
                        e[i0 + r + j * q] += s
                    }
                    if b1 != b2 {
                        for c in 0..<k2 {
                            var s = 0.0
                            for r in 0..<k1 { s += v[vo + r + c * k1] * lu[i0 + r + j * q] }
                            e[j0 + c + j * q] += s
                        }
                    }
                }
            }
        }
        }
        }
        // S⁻¹ and S₁₁⁻¹ from the dense factor F
        let f = denseWorkspace
        var sInv = f, s11Inv = [Double](repeating: 0, count: p * p)
        for j in 0..<m { for i in 0..<j { sInv[i + j * m] = 0 } }
        _ = sInv.withUnsafeMutableBufferPointer { csshim_dpotri_lower(Int32(m), $0.baseAddress!, Int32(m)) }
        for j in 0..<m { for i in 0..<j { sInv[i + j * m] = sInv[j + i * m] } }
        for j in 0..<p { for i in j..<p { s11Inv[i + j * p] = f[i + j * m] } }
        _ = s11Inv.withUnsafeMutableBufferPointer { csshim_dpotri_lower(Int32(p), $0.baseAddress!, Int32(max(p, 1))) }
        for j in 0..<p { for i in 0..<j { s11Inv[i + j * p] = s11Inv[j + i * p] } }
        var logDetS = [Double](repeating: 0, count: nTheta), logDetRX = logDetS
        for (t, term) in factor.covariance.enumerated() {
            let k = term.size, cs = pattern.columnStart[t], levels = pattern.levels[t]
            for (kk, pos) in positions[t].enumerated() {
                // M = Tₖ'E: M_ij = Σ_a U[(a, c), i] E[(a, r), j]
                var mm = [Double](repeating: 0, count: m * m)
                for a in 0..<levels {
                    let rowU = cs + a * k + pos.column, rowE = cs + a * k + pos.row
                    for i in 0..<m {
                        let ui = u[rowU + i * q]
                        if ui == 0 { continue }
                        for j in 0..<m { mm[i + j * m] += ui * e[rowE + j * q] }
                    }
                }
                var ts = 0.0, t11 = 0.0
                for i in 0..<m { for j in 0..<m { ts += sInv[i + j * m] * mm[j + i * m] } }
                for i in 0..<p { for j in 0..<p { t11 += s11Inv[i + j * p] * mm[j + i * m] } }
                logDetS[factor.thetaOffset[t] + kk] = 2 * ts
                logDetRX[factor.thetaOffset[t] + kk] = 2 * t11
            }
        }
        return ProfiledGradient(logDetA: logDetA, logDetS: logDetS, logDetRX: logDetRX)
    }
}
