import Testing
import Foundation
@testable import SparseLMM

/// A deterministic generator (SplitMix64) with standard normal deviates by Box–Muller.
struct GaussianRandom {
    var state: UInt64
    var spare: Double? = nil

    init(seed: UInt64) { state = seed }

    mutating func nextUInt64() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform on (0, 1).
    mutating func uniform() -> Double { (Double(nextUInt64() >> 11) + 0.5) / Double(1 << 53) }

    mutating func normal(mean: Double = 0, sd: Double = 1) -> Double {
        if let s = spare { spare = nil; return mean + sd * s }
        let u1 = uniform(), u2 = uniform()
        let r = (-2 * log(u1)).squareRoot()
        spare = r * sin(2 * Double.pi * u2)
        return mean + sd * r * cos(2 * Double.pi * u2)
    }
}

/// Data simulated from known parameters is fitted and the estimates must fall within their sampling
/// error: fixed effects within 4 standard errors of the truth, variance components within bands of
/// about 4 of their approximate standard errors. Seeds are fixed, so the tests are deterministic.
@Suite struct SimulationRecoveryTests {
    static func fit(_ formula: String, _ columns: [(String, DataColumn)], criterion: Criterion = .reml) throws -> MixedModelFit {
        let table = try DataTable(columns: columns)
        let design = try MixedModelDesign(formula: formula, data: table)
        return try LinearMixedModel(design: design, criterion: criterion).fit()
    }

    static func sd(_ fit: MixedModelFit, group: String, term: String) -> Double? {
        fit.varCorr.first { $0.group == group && $0.term1 == term && $0.term2 == nil }?.sd
    }

    static func expectFixedEffect(_ fit: MixedModelFit, _ name: String, truth: Double, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let k = fit.fixedEffectNames.firstIndex(of: name) else {
            Issue.record("no fixed effect \(name)", sourceLocation: sourceLocation); return
        }
        let z = (fit.fixedEffects[k] - truth) / fit.standardErrors[k]
        #expect(abs(z) < 4, "\(name): estimate \(fit.fixedEffects[k]), SE \(fit.standardErrors[k]), truth \(truth)", sourceLocation: sourceLocation)
    }

    /// Pupils in classes in schools: `y ~ x + (1 | school/class)`.
    @Test func nestedSchoolsAndClasses() throws {
        var rng = GaussianRandom(seed: 20240611)
        let schools = 30, classes = 4, pupils = 8
        let (b0, b1, sdSchool, sdClass, sigma) = (50.0, 2.0, 3.0, 2.0, 4.0)
        var y = [Double](), x = [Double](), school = [String?](), klass = [String?]()
        for s in 0..<schools {
            let u = rng.normal(sd: sdSchool)
            for c in 0..<classes {
                let v = rng.normal(sd: sdClass)
                for _ in 0..<pupils {
                    let xi = rng.normal()
                    x.append(xi)
                    y.append(b0 + b1 * xi + u + v + rng.normal(sd: sigma))
                    school.append("S\(s)")
                    klass.append("C\(c)")  // class labels repeat across schools: nesting makes them distinct
                }
            }
        }
        let fit = try Self.fit("y ~ x + (1 | school/class)", [("y", .numeric(y)), ("x", .numeric(x)),
                                                              ("school", .categorical(school)), ("class", .categorical(klass))])
        #expect(fit.nobs == schools * classes * pupils)
        #expect(Dictionary(uniqueKeysWithValues: fit.groupCounts.map { ($0.name, $0.levels) }) == ["class:school": 120, "school": 30])
        Self.expectFixedEffect(fit, "(Intercept)", truth: b0)
        Self.expectFixedEffect(fit, "x", truth: b1)
        // σ from 960 residuals: SE ≈ σ/√(2n) ≈ 2.3 %
        #expect(abs(fit.sigma! / sigma - 1) < 0.1, "σ \(fit.sigma!)")
        // 120 classes: SE of the class sd ≈ 15 %; 30 schools: SE of the school sd ≈ 14 %
        let sc = Self.sd(fit, group: "class:school", term: "(Intercept)")!
        let ss = Self.sd(fit, group: "school", term: "(Intercept)")!
        #expect(abs(sc / sdClass - 1) < 0.5, "class sd \(sc)")
        #expect(abs(ss / sdSchool - 1) < 0.5, "school sd \(ss)")
        #expect(!fit.singular && fit.converged)
    }

    /// Every subject sees every item once: `y ~ x + (1 | subject) + (1 | item)`.
    @Test func crossedSubjectsAndItems() throws {
        var rng = GaussianRandom(seed: 7_654_321)
        let subjects = 50, items = 30
        let (b0, b1, sdSubject, sdItem, sigma) = (5.0, 1.5, 1.0, 0.7, 1.0)
        let u = (0..<subjects).map { _ in rng.normal(sd: sdSubject) }
        let v = (0..<items).map { _ in rng.normal(sd: sdItem) }
        var y = [Double](), x = [Double](), subject = [String?](), item = [String?]()
        for s in 0..<subjects {
            for i in 0..<items {
                let xi = rng.normal()
                x.append(xi)
                y.append(b0 + b1 * xi + u[s] + v[i] + rng.normal(sd: sigma))
                subject.append("s\(s)")
                item.append("i\(i)")
            }
        }
        let fit = try Self.fit("y ~ x + (1 | subject) + (1 | item)", [("y", .numeric(y)), ("x", .numeric(x)),
                                                                       ("subject", .categorical(subject)), ("item", .categorical(item))])
        #expect(fit.thetaNames == ["subject.(Intercept)", "item.(Intercept)"])
        Self.expectFixedEffect(fit, "(Intercept)", truth: b0)
        Self.expectFixedEffect(fit, "x", truth: b1)
        #expect(abs(fit.sigma! / sigma - 1) < 0.1, "σ \(fit.sigma!)")
        // 50 subjects: SE of the sd ≈ 10 %; 30 items: ≈ 13 %
        let s1 = Self.sd(fit, group: "subject", term: "(Intercept)")!, s2 = Self.sd(fit, group: "item", term: "(Intercept)")!
        #expect(abs(s1 / sdSubject - 1) < 0.4, "subject sd \(s1)")
        #expect(abs(s2 / sdItem - 1) < 0.5, "item sd \(s2)")
        // the conditional modes track the simulated effects
        let re = fit.randomEffects.first { $0.group == "subject" }!
        let modes = re.levels.map { label in re.value(level: re.levels.firstIndex(of: label)!, column: 0) }
        let truth = re.levels.map { u[Int($0.dropFirst())!] }
        #expect(correlation(modes, truth) > 0.9)
    }

    /// Correlated random intercepts and slopes: `y ~ days + (days | g)`.
    @Test func correlatedRandomSlopes() throws {
        var rng = GaussianRandom(seed: 99_001)
        let groups = 100, perGroup = 10
        let (b0, b1, sd0, sd1, rho, sigma) = (250.0, 10.0, 25.0, 6.0, 0.4, 20.0)
        var y = [Double](), days = [Double](), g = [String?]()
        for k in 0..<groups {
            let z0 = rng.normal(), z1 = rng.normal()
            let u0 = sd0 * z0
            let u1 = sd1 * (rho * z0 + (1 - rho * rho).squareRoot() * z1)
            for d in 0..<perGroup {
                days.append(Double(d))
                y.append(b0 + u0 + (b1 + u1) * Double(d) + rng.normal(sd: sigma))
                g.append("g\(k)")
            }
        }
        let fit = try Self.fit("y ~ days + (days | g)", [("y", .numeric(y)), ("days", .numeric(days)), ("g", .categorical(g))])
        #expect(fit.thetaNames == ["g.(Intercept)", "g.days.(Intercept)", "g.days"])
        Self.expectFixedEffect(fit, "(Intercept)", truth: b0)
        Self.expectFixedEffect(fit, "days", truth: b1)
        #expect(abs(fit.sigma! / sigma - 1) < 0.12, "σ \(fit.sigma!)")
        let s0 = Self.sd(fit, group: "g", term: "(Intercept)")!, s1 = Self.sd(fit, group: "g", term: "days")!
        #expect(abs(s0 / sd0 - 1) < 0.35, "intercept sd \(s0)")
        #expect(abs(s1 / sd1 - 1) < 0.35, "slope sd \(s1)")
        let r = fit.varCorr.first { $0.group == "g" && $0.term2 != nil }!.corr!
        // SE of r ≈ (1 − ρ²)/√100 ≈ 0.08
        #expect(abs(r - rho) < 0.35, "correlation \(r)")
        // θ and VarCorr agree: sd₀ = σ θ₁
        #expect(close(s0, fit.sigma! * fit.theta[0], rel: 1e-10))
    }

    /// Uncorrelated intercepts and slopes, fitted with `||`, on an unbalanced design with missing values.
    @Test func uncorrelatedSlopesUnbalancedWithMissingValues() throws {
        var rng = GaussianRandom(seed: 424_242)
        let groups = 80
        let (b0, b1, sd0, sd1, sigma) = (3.0, -0.5, 1.2, 0.4, 0.8)
        var y = [Double](), x = [Double](), g = [String?](), expectedMissing = [Int]()
        for k in 0..<groups {
            let u0 = rng.normal(sd: sd0), u1 = rng.normal(sd: sd1)
            let size = 3 + Int(rng.uniform() * 12)   // 3 to 14 observations
            for _ in 0..<size {
                let xi = rng.normal(mean: 1, sd: 1.5)
                var yi = b0 + u0 + (b1 + u1) * xi + rng.normal(sd: sigma)
                if rng.uniform() < 0.05 { yi = .nan; expectedMissing.append(y.count + 1) }
                y.append(yi); x.append(xi); g.append("G\(k)")
            }
        }
        let fit = try Self.fit("y ~ x + (x || g)", [("y", .numeric(y)), ("x", .numeric(x)), ("g", .categorical(g))])
        #expect(fit.omittedRows == expectedMissing)
        #expect(fit.nobs == y.count - expectedMissing.count)
        #expect(fit.thetaNames == ["g.(Intercept)", "g.x"])
        #expect(fit.varCorr.map { $0.group } == ["g", "g.1", "Residual"])
        Self.expectFixedEffect(fit, "(Intercept)", truth: b0)
        Self.expectFixedEffect(fit, "x", truth: b1)
        #expect(abs(fit.sigma! / sigma - 1) < 0.12, "σ \(fit.sigma!)")
        let s0 = Self.sd(fit, group: "g", term: "(Intercept)")!, s1 = Self.sd(fit, group: "g.1", term: "x")!
        #expect(abs(s0 / sd0 - 1) < 0.4, "intercept sd \(s0)")
        #expect(abs(s1 / sd1 - 1) < 0.4, "slope sd \(s1)")
    }

    /// Many small replicates of a random-intercept model: the estimates are unbiased, the reported
    /// standard errors match the spread of the estimates, and 95 % Wald intervals cover the truth about
    /// 95 % of the time; REML's variance estimate is unbiased where ML's is biased downwards.
    @Test func replicatedRandomInterceptStudy() throws {
        var rng = GaussianRandom(seed: 31_337)
        let replicates = 200, groups = 12, perGroup = 6
        let (b0, b1, sdGroup, sigma) = (10.0, 0.5, 1.0, 1.0)
        var slopes = [Double](), ses = [Double](), covered = 0
        var remlVar = [Double](), mlVar = [Double]()
        let x = (0..<(groups * perGroup)).map { Double($0 % perGroup) }
        let g: [String?] = (0..<(groups * perGroup)).map { "g\($0 / perGroup)" }
        for _ in 0..<replicates {
            let u = (0..<groups).map { _ in rng.normal(sd: sdGroup) }
            let y = (0..<(groups * perGroup)).map { i in b0 + b1 * x[i] + u[i / perGroup] + rng.normal(sd: sigma) }
            let cols: [(String, DataColumn)] = [("y", .numeric(y)), ("x", .numeric(x)), ("g", .categorical(g))]
            let reml = try Self.fit("y ~ x + (1 | g)", cols)
            let ml = try Self.fit("y ~ x + (1 | g)", cols, criterion: .ml)
            slopes.append(reml.fixedEffects[1])
            ses.append(reml.standardErrors[1])
            if abs(reml.fixedEffects[1] - b1) < 1.96 * reml.standardErrors[1] { covered += 1 }
            remlVar.append(reml.sigma! * reml.sigma!)
            mlVar.append(ml.sigma! * ml.sigma!)
            #expect(ml.sigma! < reml.sigma!)
        }
        let n = Double(replicates)
        let mean = slopes.reduce(0, +) / n
        let spread = (slopes.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)).squareRoot()
        let meanSE = ses.reduce(0, +) / n
        // the slope's true SE: σ/√(Σ(x − x̄)²) = 1/√(12·17.5) ≈ 0.069
        #expect(abs(mean - b1) < 4 * spread / n.squareRoot(), "mean slope \(mean)")
        #expect(abs(meanSE / spread - 1) < 0.2, "mean SE \(meanSE) vs spread \(spread)")
        #expect(abs(meanSE - 1 / (12 * 17.5).squareRoot()) < 0.01)
        // coverage: binomial SE ≈ 1.5 %
        #expect(covered >= 180 && covered <= 198, "coverage \(covered)/\(replicates)")
        // residual variance: REML unbiased; ML biased by about (n − p)/n
        let remlMean = remlVar.reduce(0, +) / n, mlMean = mlVar.reduce(0, +) / n
        #expect(abs(remlMean - 1) < 0.06, "REML σ² \(remlMean)")
        #expect(mlMean < remlMean)
    }

    func correlation(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (p, q) in zip(a, b) { sab += (p - ma) * (q - mb); saa += (p - ma) * (p - ma); sbb += (q - mb) * (q - mb) }
        return sab / (saa * sbb).squareRoot()
    }
}
