import Testing
import Foundation
import CSparseShim
@testable import SparseLMM

/// A small deterministic generator for test matrices.
struct TestRandom {
    var state: UInt64
    mutating func next() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53)
    }
}

/// A random symmetric positive definite matrix with a given sparsity pattern (upper triangle,
/// diagonal included): B'B-like dominance keeps it well conditioned.
func randomSPD(n: Int, pattern: (Int, Int) -> Bool, seed: UInt64) -> [Double] {
    var rng = TestRandom(state: seed)
    var a = [Double](repeating: 0, count: n * n)
    for j in 0..<n {
        for i in 0..<j where pattern(i, j) {
            let v = rng.next() - 0.5
            a[i + j * n] = v; a[j + i * n] = v
        }
    }
    for i in 0..<n {
        var s = 0.0
        for j in 0..<n where j != i { s += abs(a[i + j * n]) }
        a[i + i * n] = s + 0.5 + rng.next()
    }
    return a
}

/// The matrix in CHOLMOD's upper-triangle compressed-column form.
func sparseUpper(_ a: [Double], n: Int, context: CholmodContext) throws -> SymmetricSparseMatrix {
    var p: [Int32] = [0], rows = [Int32](), vals = [Double]()
    for j in 0..<n {
        for i in 0...j where a[i + j * n] != 0 || i == j { rows.append(Int32(i)); vals.append(a[i + j * n]) }
        p.append(Int32(rows.count))
    }
    let m = try SymmetricSparseMatrix(n: n, columnPointers: p, rowIndices: rows, triangle: .upper, context: context)
    for (k, v) in vals.enumerated() { m.values[k] = v }
    return m
}

/// Dense log-determinant by LAPACK dpotrf.
func denseLogDet(_ a: [Double], n: Int) -> Double {
    var l = a
    let info = l.withUnsafeMutableBufferPointer { csshim_dpotrf_lower(Int32(n), $0.baseAddress!, Int32(n)) }
    precondition(info == 0)
    return (0..<n).reduce(0) { $0 + 2 * log(l[$1 + $1 * n]) }
}

func matVec(_ a: [Double], _ x: [Double], n: Int) -> [Double] {
    (0..<n).map { i in (0..<n).reduce(0) { $0 + a[i + $1 * n] * x[$1] } }
}

@Suite struct SparseCholeskyTests {
    static let patterns: [(String, @Sendable (Int, Int) -> Bool)] = [
        ("banded", { i, j in j - i <= 3 }),
        ("arrow", { i, j in j == 59 || i == j }),
        ("crossed blocks", { i, j in i < 40 && j >= 40 && (i * 7 + j) % 3 == 0 }),
        ("random", { i, j in (i * 31 + j * 17) % 11 == 0 }),
        ("dense", { _, _ in true }),
    ]

    @Test(arguments: [FactorKind.simplicial, .supernodal])
    func logDeterminantAndSolvesAgreeWithDenseLAPACK(kind: FactorKind) throws {
        let n = 60
        for (seedOffset, (name, pattern)) in Self.patterns.enumerated() {
            let context = CholmodContext(kind: kind)
            let a = randomSPD(n: n, pattern: pattern, seed: 42 + UInt64(seedOffset))
            let m = try sparseUpper(a, n: n, context: context)
            let chol = try SparseCholesky(analyzing: m)
            try chol.factorize(m)
            #expect(chol.isSupernodal == (kind == .supernodal), "\(name)")
            #expect(close(chol.logDeterminant, denseLogDet(a, n: n), rel: 1e-12), "\(name)")
            // shifted factorisation: A + 2.5 I
            try chol.factorize(m, shift: 2.5)
            var shifted = a
            for i in 0..<n { shifted[i + i * n] += 2.5 }
            #expect(close(chol.logDeterminant, denseLogDet(shifted, n: n), rel: 1e-12), "\(name) shifted")
            // A x = b
            var rng = TestRandom(state: 7)
            let b = (0..<n).map { _ in rng.next() }
            var x = b
            try chol.solve(.a, &x)
            let ax = matVec(shifted, x, n: n)
            for i in 0..<n { #expect(abs(ax[i] - b[i]) < 1e-10, "\(name) residual") }
            // P, P', L, L' compose to A⁻¹: x = P' L'⁻¹ L⁻¹ P b
            var y = b
            try chol.solve(.p, &y)
            try chol.solve(.l, &y)
            try chol.solve(.lt, &y)
            try chol.solve(.pt, &y)
            for i in 0..<n { #expect(abs(y[i] - x[i]) < 1e-10, "\(name) composed solve") }
            // the permutation is a permutation and P applies it
            let perm = chol.permutation.map(Int.init)
            #expect(Set(perm) == Set(0..<n))
            var pb = b
            try chol.solve(.p, &pb)
            for k in 0..<n { #expect(pb[k] == b[perm[k]]) }
            // L's diagonal gives the log-determinant too
            let d = chol.diagonal()
            #expect(close(d.reduce(0) { $0 + 2 * log($1) }, chol.logDeterminant, rel: 1e-12))
        }
    }

    @Test func notPositiveDefiniteThrowsAndTheFactorCanBeReused() throws {
        let context = CholmodContext(kind: .supernodal)
        let n = 20
        let a = randomSPD(n: n, pattern: { i, j in j - i <= 2 }, seed: 3)
        let m = try sparseUpper(a, n: n, context: context)
        let chol = try SparseCholesky(analyzing: m)
        #expect(throws: LinearAlgebraError.self) { try chol.factorize(m, shift: -1000) }
        #expect(!chol.isFactorized)
        try chol.factorize(m)
        #expect(close(chol.logDeterminant, denseLogDet(a, n: n), rel: 1e-12))
        let simplicial = CholmodContext(kind: .simplicial)
        let ms = try sparseUpper(a, n: n, context: simplicial)
        let cs = try SparseCholesky(analyzing: ms)
        #expect(throws: LinearAlgebraError.self) { try cs.factorize(ms, shift: -1000) }
    }

    @Test func cholmodAllocationsReturnToZero() throws {
        let context = CholmodContext(kind: .automatic)
        do {
            let n = 50
            let a = randomSPD(n: n, pattern: { i, j in (i + j) % 5 == 0 }, seed: 11)
            let m = try sparseUpper(a, n: n, context: context)
            let chol = try SparseCholesky(analyzing: m)
            try chol.factorize(m, shift: 1)
            var b = [Double](repeating: 1, count: n * 3)
            try chol.solve(.a, &b, nrhs: 3)
            #expect(context.allocationCount > 0)
        }
        context.releaseWorkspace()
        #expect(context.allocationCount == 0)
    }

    @Test func blasThreadsDefaultToOneAndAreSettable() {
        #expect(BLASThreads.current == 1)
        BLASThreads.set(2)
        #expect(BLASThreads.current == 2)
        // workers share the threads while they run, and the count comes back afterwards
        let inside = BLASThreads.sharing(among: 2) { BLASThreads.current }
        #expect(inside == 1)
        #expect(BLASThreads.current == 2)
        BLASThreads.set(1)
        #expect(BLASThreads.current == 1)
        #expect(BLASThreads.sharing(among: 4) { BLASThreads.current } == 1)
    }
}

@Suite struct SelectedInverseTests {
    @Test(arguments: [0, 1, 2, 3, 4])
    func selectedInverseMatchesTheDenseInverseOnThePattern(patternIndex: Int) throws {
        let n = 60
        let (name, pattern) = SparseCholeskyTests.patterns[patternIndex]
        let context = CholmodContext(kind: .supernodal)
        let a = randomSPD(n: n, pattern: pattern, seed: 100 + UInt64(patternIndex))
        let m = try sparseUpper(a, n: n, context: context)
        let chol = try SparseCholesky(analyzing: m, ordering: .natural)
        try chol.factorize(m)
        var z = [Double]()
        try chol.selectedInverse(into: &z)
        // dense inverse by LAPACK
        var inv = a
        _ = inv.withUnsafeMutableBufferPointer { csshim_dpotrf_lower(Int32(n), $0.baseAddress!, Int32(n)) }
        _ = inv.withUnsafeMutableBufferPointer { csshim_dpotri_lower(Int32(n), $0.baseAddress!, Int32(n)) }
        var checked = 0
        for j in 0..<n {
            for i in j..<n {
                guard let pos = chol.position(row: i, column: j) else { continue }
                #expect(abs(z[pos] - inv[i + j * n]) <= 1e-10 * max(1, abs(inv[i + j * n])), "\(name) (\(i), \(j))")
                checked += 1
            }
        }
        // every entry of A's own pattern is in L's pattern
        for j in 0..<n { for i in j..<n where a[i + j * n] != 0 { #expect(chol.position(row: i, column: j) != nil) } }
        #expect(checked >= n)
    }
}

/// The quasi-Newton corrections of `PenalizedLeastSquares` on a fresh factorisation are the
/// Newton step exactly: from any (β, u) they land on the penalised least-squares solution.
@Suite struct PenalizedLeastSquaresCorrectionTests {
    static func system() throws -> (PenalizedLeastSquares, [Double], MixedModelDesign) {
        let design = try MixedModelDesign(formula: "Reaction ~ Days + (Days | Subject)", data: Fixtures.table("sleepstudy.csv"))
        guard case .numeric(let y) = design.response else { throw ModelError.missingResponse }
        let pls = try PenalizedLeastSquares(design: design)
        let w = (0..<design.nobs).map { 0.5 + Double($0 % 7) / 7 }
        pls.setWeights(w)
        pls.setResponse(y)
        return (pls, w, design)
    }

    @Test func jointCorrectionReachesTheSolution() throws {
        let (pls, w, design) = try Self.system()
        guard case .numeric(let y) = design.response else { return }
        let theta = [0.9, 0.05, 0.2]
        _ = try theta.withUnsafeBufferPointer { try pls.evaluate(theta: $0) }
        let (betaHat, uHat, _) = try pls.solution()
        let beta = [200.0, 5.0], u = (0..<pls.q).map { Double($0 % 5) - 2 }
        let fitted = zip(pls.xTimes(beta), pls.zLambda(u)).map { $0 + $1 }
        let s = (0..<design.nobs).map { w[$0] * (y[$0] - fitted[$0]) }
        #expect(pls.hasJointFactorization)
        let d = try pls.jointCorrection(weightedResidual: s, u: u)
        for j in 0..<2 { #expect(abs(beta[j] + d.beta[j] - betaHat[j]) <= 1e-9 * (1 + abs(betaHat[j])), "β[\(j)]") }
        for j in 0..<pls.q { #expect(abs(u[j] + d.u[j] - uHat[j]) <= 1e-9 * (1 + abs(uHat[j])), "u[\(j)]") }
        // with β held at β̂, the modes' correction lands on û too
        let fittedU = zip(pls.xTimes(betaHat), pls.zLambda(u)).map { $0 + $1 }
        let sU = (0..<design.nobs).map { w[$0] * (y[$0] - fittedU[$0]) }
        let du = try pls.modeCorrection(weightedResidual: sU, u: u)
        for j in 0..<pls.q { #expect(abs(u[j] + du[j] - uHat[j]) <= 1e-9 * (1 + abs(uHat[j])), "modes u[\(j)]") }
        // a factorisation after the evaluation leaves R_ZX and R_X stale
        try theta.withUnsafeBufferPointer { try pls.factor.update(theta: $0) }
        #expect(!pls.hasJointFactorization)
        #expect(throws: LinearAlgebraError.notFactorized) { try pls.jointCorrection(weightedResidual: s, u: u) }
    }
}
