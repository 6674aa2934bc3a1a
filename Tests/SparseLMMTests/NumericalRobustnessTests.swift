import Testing
import Foundation
@testable import SparseLMM
import GLMM

#if canImport(Glibc)
import Glibc
#endif

/// The pathological data sets of Tests/Fixtures/robustness (made by
/// Tests/Fixtures/scripts/robustness_reference.R) and lme4's results on them.
enum Robustness {
    static let directory = Fixtures.root + "/robustness/"

    nonisolated(unsafe) static let reference: [String: [String: Any]] = {
        let data = try! Data(contentsOf: URL(fileURLWithPath: directory + "reference.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: [String: Any]]
    }()

    static func ref(_ id: String) -> [String: Any] { reference[id]! }

    static func design(_ id: String) throws -> MixedModelDesign {
        let r = ref(id)
        let table = try DataTable(csvFile: directory + (r["dataset"] as! String) + ".csv")
        return try MixedModelDesign(formula: r["formula"] as! String, data: table)
    }

    static func isGaussian(_ id: String) -> Bool { (ref(id)["family"] as! String) == "gaussian" }

    /// Our fit of the reference model: lmer's criterion, or glmer's family with the Laplace approximation.
    static func fit(_ id: String) throws -> MixedModelFit {
        let r = ref(id)
        let design = try design(id)
        switch r["family"] as! String {
        case "gaussian":
            let model = try LinearMixedModel(design: design, criterion: (r["method"] as! String) == "ML" ? .ml : .reml)
            return try model.fit(conditionalVariances: .always)
        case "binomial":
            return try GeneralizedLinearMixedModel(design: design, family: .binomial).fit()
        case "poisson":
            return try GeneralizedLinearMixedModel(design: design, family: .poisson).fit()
        case let f:
            fatalError("no family \(f)")
        }
    }

    /// Cases lme4 fits (no error), by family.
    static let lmmIDs = reference.keys.filter { isGaussian($0) && ref($0)["error"] == nil }.sorted()
    static let glmmIDs = reference.keys.filter { !isGaussian($0) && ref($0)["error"] == nil }.sorted()

    /// Every number a fit reports, by what it is, that is not finite.
    static func nonFinite(_ fit: MixedModelFit) -> [String] {
        var bad = [String]()
        func check(_ name: String, _ values: [Double]) {
            if let i = values.firstIndex(where: { !$0.isFinite }) { bad.append("\(name)[\(i)] = \(values[i])") }
        }
        check("objective", [fit.objective, fit.logLik, fit.AIC, fit.BIC])
        check("theta", fit.theta)
        if let s = fit.sigma { check("sigma", [s]) }
        check("fixef", fit.fixedEffects)
        check("se", fit.standardErrors)
        check("vcov", fit.covariance)
        check("varcorr.variance", fit.varCorr.map(\.variance))
        check("varcorr.sd", fit.varCorr.compactMap(\.sd))
        // a correlation of a term whose sd is zero is undefined: lme4 prints NaN there too, and
        // VarCorr leaves it out (nil) rather than report a number
        check("varcorr.corr", fit.varCorr.compactMap(\.corr))
        for re in fit.randomEffects {
            check("ranef \(re.group)", re.values)
            if let cv = re.conditionalVariances { check("condVar \(re.group)", cv) }
        }
        check("fitted", fit.fitted)
        check("linear predictor", fit.linearPredictor)
        check("residuals", fit.residuals)
        check("pearson residuals", fit.pearsonResiduals)
        check("deviance residuals", fit.devianceResiduals)
        return bad
    }
}

/// Issue 7, item 2: on pathological data the engine converges to lme4's answer or says why not —
/// never NaN, never a trap. Responses on scales 1e-6 and 1e9, a covariate of range 1e6 around 1e9,
/// near-collinear fixed effects, random-effects covariances with a zero variance or a correlation
/// of ±1, one observation per group, mostly singleton groups, one group holding 90% of the rows,
/// 3,000 levels of two rows each, rare binomial events and Poisson counts near 160,000.
@Suite struct NumericalRobustnessTests {
    @Test func everyCaseHasAReference() {
        #expect(Robustness.reference.count == 22)
        #expect(Robustness.lmmIDs.count == 18 && Robustness.glmmIDs.count == 2)
        // the fixtures stay small
        let files = (try? FileManager.default.contentsOfDirectory(atPath: Robustness.directory)) ?? []
        var total = 0
        for f in files {
            let size = (try? FileManager.default.attributesOfItem(atPath: Robustness.directory + f)[.size] as? Int) ?? 0
            #expect(size < 200_000, "\(f): \(size) bytes")
            total += size
        }
        #expect(total < 1_500_000)
    }

    /// Gaussian cases: objective ≤ lme4's + 1e-6 relative; fixef and se within 1e-4 relative (or
    /// 1e-4 of the standard error, for an estimate near zero); θ within 1e-3 (absolute where lme4's
    /// is near zero: singular fits); σ within 1e-3; the singular flag, the dropped columns and
    /// lme4's messages about them; every number finite.
    @Test(arguments: Robustness.lmmIDs)
    func gaussianAgreesWithLme4(id: String) throws {
        let r = Robustness.ref(id)
        let fit = try Robustness.fit(id)
        Self.expectLme4Estimates(id, fit, r, objectiveTolerance: 1e-6, estimateTolerance: 1e-4)
        #expect(fit.converged, "\(id): \(fit.optimizerMessage)")
        let sigma = jsonNumber(r["sigma"])!
        #expect(close(fit.sigma ?? .nan, sigma, rel: 1e-3), "\(id): σ \(fit.sigma ?? .nan) vs \(sigma)")

        let singular = r["singular"] as! Bool
        #expect(fit.singular == singular, "\(id): singular \(fit.singular) vs lme4 \(singular)")
        #expect(fit.messages.contains { $0.contains("singular") } == singular, "\(id): \(fit.messages)")
        let dropped = r["dropped_columns"] as? [String] ?? []
        #expect(fit.droppedColumns == dropped, "\(id): dropped \(fit.droppedColumns) vs lme4 \(dropped)")
        #expect(fit.messages.contains { $0.contains("rank deficient") } == !dropped.isEmpty, "\(id): \(fit.messages)")
    }

    /// Multiplying the response by s multiplies β̂, its standard errors and σ̂ by s, leaves θ̂ alone
    /// and shifts the objective by exactly 2(n − p)·log s (REML) or 2n·log s (ML): our fits on the
    /// three scales agree with each other to far better than the tolerance against lme4.
    @Test(arguments: ["reml", "ml"])
    func responseScaleIsExact(criterion: String) throws {
        let base = try Robustness.fit("scale_base_" + criterion)
        let n = Double(base.nobs), p = Double(base.fixedEffects.count)
        for (scale, tag) in [(1e-6, "1e-6"), (1e9, "1e9")] {
            let fit = try Robustness.fit("scale_\(tag)_" + criterion)
            let shift = 2 * (criterion == "reml" ? n - p : n) * log(scale)
            #expect(abs(fit.objective - (base.objective + shift)) <= 1e-8 * abs(base.objective),
                     "×\(tag) \(criterion): objective \(fit.objective) vs base \(base.objective) + \(shift)")
            for k in 0..<base.theta.count {
                #expect(abs(fit.theta[k] - base.theta[k]) <= 1e-5, "×\(tag): θ[\(k)] \(fit.theta[k]) vs \(base.theta[k])")
            }
            for k in 0..<base.fixedEffects.count {
                #expect(close(fit.fixedEffects[k], scale * base.fixedEffects[k], rel: 1e-7), "×\(tag): fixef[\(k)]")
                #expect(close(fit.standardErrors[k], scale * base.standardErrors[k], rel: 1e-5), "×\(tag): se[\(k)]")
            }
            #expect(close(fit.sigma!, scale * base.sigma!, rel: 1e-6), "×\(tag): σ")
        }
    }

    /// GLMM cases: deviance ≤ lme4's + 1e-5 relative; fixef and se within 1e-3 relative; θ within
    /// 1e-3 (absolute near zero: the rare-events fit is singular in both); every number finite.
    @Test(arguments: Robustness.glmmIDs)
    func glmmAgreesWithLme4(id: String) throws {
        let r = Robustness.ref(id)
        let fit = try Robustness.fit(id)
        Self.expectLme4Estimates(id, fit, r, objectiveTolerance: 1e-5, estimateTolerance: 1e-3)
        #expect(fit.singular == (r["singular"] as! Bool), "\(id): singular \(fit.singular)")
    }

    /// Every number finite; the objective at most lme4's + `objectiveTolerance` relative; the same
    /// nobs; the same fixed-effect and θ names, fixef and se within `estimateTolerance` relative
    /// (or that fraction of the standard error, for an estimate near zero), θ within 1e-3
    /// (absolute near zero).
    static func expectLme4Estimates(_ id: String, _ fit: MixedModelFit, _ r: [String: Any],
                                    objectiveTolerance: Double, estimateTolerance tol: Double) {
        #expect(Robustness.nonFinite(fit).isEmpty, "\(id): \(Robustness.nonFinite(fit))")
        let objective = jsonNumber(r["objective"])!
        #expect(fit.objective <= objective + objectiveTolerance * abs(objective), "\(id): objective \(fit.objective) vs lme4 \(objective)")
        #expect(fit.nobs == r["nobs"] as! Int)
        let fixef = r["fixef"] as! [String: Any], se = r["se"] as! [String: Any]
        #expect(Set(fit.fixedEffectNames) == Set(fixef.keys), "\(id): \(fit.fixedEffectNames)")
        for (k, name) in fit.fixedEffectNames.enumerated() {
            guard let b = jsonNumber(fixef[name]), let s = jsonNumber(se[name]) else { continue }
            #expect(close(fit.fixedEffects[k], b, rel: tol, abs: tol * s), "\(id): fixef[\(name)] \(fit.fixedEffects[k]) vs \(b)")
            #expect(close(fit.standardErrors[k], s, rel: tol), "\(id): se[\(name)] \(fit.standardErrors[k]) vs \(s)")
        }
        let theta = r["theta"] as! [String: Any]
        #expect(Set(fit.thetaNames) == Set(theta.keys), "\(id): \(fit.thetaNames)")
        for (k, name) in fit.thetaNames.enumerated() {
            guard let t = jsonNumber(theta[name]) else { continue }
            #expect(close(fit.theta[k], t, rel: 1e-3, abs: 1e-3), "\(id): θ[\(name)] \(fit.theta[k]) vs \(t)")
        }
    }

    /// A grouping factor with one level per observation in a Gaussian model: lme4 stops with "number
    /// of levels of each grouping factor must be < number of observations (problems: id)"; ours
    /// names the factor, the counts and why.
    @Test func onePerGroupIsRefusedNamingTheFactor() throws {
        let r = Robustness.ref("one_per_group")
        #expect((r["error"] as! String).contains("number of levels of each grouping factor must be < number of observations (problems: id)"))
        let design = try Robustness.design("one_per_group")
        #expect(throws: ModelError.levelsNotFewerThanObservations(group: "id", levels: 150, nobs: 150)) {
            _ = try LinearMixedModel(design: design)
        }
        do {
            _ = try LinearMixedModel(design: design)
        } catch {
            let text = "\(error)"
            #expect(text.contains("'id'") && text.contains("150 levels for 150 observations"), "\(text)")
            #expect(text.contains("fewer levels than observations"), "\(text)")
        }
    }

    /// `Reaction ~ Dhuge + (Dhuge | Subject)` with Dhuge = Days·1e6 + 1e9: the same model as
    /// sleepstudy's correlated slopes, but X'X − X'ZΛ(L L')⁻¹Λ'Z'X cancels to noise in floating
    /// point. lme4 stops with "Downdated VtV is not positive definite"; every θ our optimiser tries
    /// fails the same way, and the error says so and names the predictor to center (it used to be
    /// a bare "the matrix is not positive definite (the leading minor of order 2 …)").
    @Test func uncentredRandomSlopeFailsWithAClearMessage() throws {
        let r = Robustness.ref("huge_covariate_slope")
        #expect((r["error"] as! String).contains("Downdated VtV is not positive definite"))
        let model = try LinearMixedModel(design: try Robustness.design("huge_covariate_slope"))
        do {
            let fit = try model.fit()
            Issue.record("expected an error, got objective \(fit.objective)")
        } catch let error as ModelError {
            guard case .objectiveNotComputable(let evaluations, let predictors) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(evaluations > 0)
            #expect(predictors.count == 1 && predictors[0].hasPrefix("'Dhuge' (mean 1e+09, sd 2.88e+06)"), "\(predictors)")
            let text = error.description
            #expect(text.contains("could not be computed at any of the") && text.contains("Downdated VtV is not positive definite"), "\(text)")
            #expect(text.contains("'Dhuge'") && text.contains("center it"), "\(text)")
        }
    }
}

// MARK: - memory over a long loop of fits

/// Resident set size of this process in bytes (/proc/self/statm, second field), nil where unreadable.
func residentBytes() -> Double? {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Double(fields[1]) else { return nil }
    return pages * Double(sysconf(Int32(_SC_PAGESIZE)))
}

/// Whether an address or thread sanitizer runtime is loaded: their allocators hold freed memory
/// (quarantine, shadow memory), so resident memory says nothing about leaks under them.
func sanitizerRuntimeLoaded() -> Bool {
    #if canImport(Glibc)
    let handle = dlopen(nil, RTLD_NOW)
    defer { if let handle { dlclose(handle) } }
    return dlsym(handle, "__asan_init") != nil || dlsym(handle, "__tsan_init") != nil
    #else
    return false
    #endif
}

enum FitLoop {
    static let childVariable = "SPARSELMM_FIT_LOOP_CHILD"
    static var isChild: Bool { ProcessInfo.processInfo.environment[childVariable] == "1" }
}

/// 200 fits of sleepstudy's correlated-slopes model, one after another, each of a fresh model:
/// CHOLMOD's allocation count is the same after every fit and back to zero once the model is gone
/// and the workspace released; one more model refitted 200 times keeps the count it had after its
/// first fit; resident memory grows by less than 20 MB over the last 180 iterations
/// after a warm-up of 20. Runs in a child process (the test binary, this suite only) so that the tests
/// running in parallel in this process do not move its resident memory.
@Suite struct FitLoopMemoryTests {
    @Test func twoHundredFitsReturnEveryAllocation() throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        guard binary.pathExtension == "xctest", FileManager.default.isExecutableFile(atPath: binary.path) else {
            // not the Linux test executable (e.g. an XCTest runner): run the loop here
            try Self.loop(checkResidentMemory: false)
            return
        }
        let p = Process()
        p.executableURL = binary
        p.arguments = ["--testing-library", "swift-testing", "--filter", "FitLoopMemoryTests/childLoop"]
        p.environment = ProcessInfo.processInfo.environment.merging([FitLoop.childVariable: "1"]) { $1 }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        #expect(p.terminationStatus == 0, "child run failed:\n\(text)")
        #expect(text.contains("FITLOOP fits=200+200"), "the loop did not run in the child:\n\(text)")
        #expect(text.contains("childLoop() passed"), "\(text)")
    }

    @Test(.enabled(if: FitLoop.isChild, "runs in the child process of twoHundredFitsReturnEveryAllocation"))
    func childLoop() throws {
        try Self.loop(checkResidentMemory: !sanitizerRuntimeLoaded())
    }

    static func loop(checkResidentMemory: Bool) throws {
        let table = try DataTable(csvFile: Robustness.directory + "sleepstudy_scaled.csv")
        let design = try MixedModelDesign(formula: "Reaction ~ Days + (Days | Subject)", data: table)
        var rssAfterWarmUp: Double?
        var objective: Double?
        // one model refitted every time: its count after each fit is the count after its first
        let persistent = try LinearMixedModel(design: design)
        _ = try persistent.fit(conditionalVariances: .always)
        let steady = persistent.factor.context.allocationCount
        // a fresh model every time: the same count after every fit (its analysis, numeric factor and
        // workspace), and zero once the model is gone and the workspace released
        var afterFit: Int?
        for i in 0..<200 {
            if i == 20 { rssAfterWarmUp = residentBytes() }
            var context: CholmodContext?
            do {
                let model = try LinearMixedModel(design: design)
                context = model.factor.context
                let fit = try model.fit(conditionalVariances: .always)
                let count = context!.allocationCount
                if let a = afterFit { #expect(count == a, "fit \(i): \(count) CHOLMOD blocks after the fit, \(a) after the first") } else { afterFit = count }
                if let o = objective { #expect(fit.objective == o, "fit \(i)") } else { objective = fit.objective }
            }
            // the model, its matrices and its factor are gone: only the context's workspace is left
            context!.releaseWorkspace()
            #expect(context!.allocationCount == 0, "fit \(i): \(context!.allocationCount) CHOLMOD blocks left")

            let again = try persistent.fit(conditionalVariances: .always)
            #expect(persistent.factor.context.allocationCount == steady, "refit \(i): \(persistent.factor.context.allocationCount) CHOLMOD blocks, \(steady) after the first fit")
            #expect(again.objective == objective, "refit \(i)")
        }
        let rssEnd = residentBytes()
        let growth = (rssEnd ?? 0) - (rssAfterWarmUp ?? 0)
        print("FITLOOP fits=200+200 rss_after_warmup=\(rssAfterWarmUp ?? -1) rss_end=\(rssEnd ?? -1) growth=\(growth)")
        if checkResidentMemory, rssAfterWarmUp != nil, rssEnd != nil {
            #expect(growth < 20 * 1_048_576, "resident memory grew by \(growth / 1_048_576) MB over 180 fits")
        }
    }
}
