import SparseLMM
import GLMM
import Foundation

/// Runs one workload on our engine and measures it. Called in a child process (`bench --child`),
/// one process per workload, so that the peak resident memory is the workload's own.
enum OurRun {
    /// How many runs to time: `fixed` if given, otherwise 5 when one run (setup + fit) took
    /// under 1 s, 3 under 10 s, else 1 — the same rule as perf/lme4_fit.R.
    static func runCount(afterFirst seconds: Double, fixed: Int?) -> Int {
        if let fixed { return max(1, fixed) }
        return seconds < 1 ? 5 : seconds < 10 ? 3 : 1
    }

    /// Loads the data, then builds and fits the model `runs` times (each time from the table:
    /// design, model, fit), and times objective evaluations at the optimum.
    static func measure(_ workload: Workload, seed: UInt64, repeatCount: Int?, threads: Int?,
                        evaluationSeconds: Double, paths: ProjectPaths) -> OurMeasurement {
        BLASThreads.set(threads ?? 1)
        var m = OurMeasurement(available: workload.family.fittedByUs)
        m.blasThreads = BLASThreads.current
        m.rssBaselineMb = Memory.currentResidentMiB()
        do {
            let loaded = try workload.load(seed: seed, paths: paths)
            m.loadSeconds = loaded.seconds
            m.rssAfterLoadMb = Memory.currentResidentMiB()

            guard workload.family.fittedByUs else {
                // GLMM: our side cannot fit yet, but the design tells the problem's size
                let (design, seconds) = try Clock.measure {
                    try MixedModelDesign(formula: workload.formula, data: loaded.table, options: loaded.options)
                }
                m.designSeconds = seconds
                m.nobs = design.nobs; m.p = design.p; m.q = design.q; m.thetaCount = design.thetaCount
                m.note = workload.unavailableReason
                m.peakRssMb = Memory.peakResidentMiB()
                return m
            }

            if workload.family != .gaussian {
                let design = try measureGLMM(workload, loaded: loaded, repeatCount: repeatCount, threads: threads, evaluationSeconds: evaluationSeconds, into: &m)
                m.peakRssMb = Memory.peakResidentMiB()
                // after the peak was read: the floor's own arrays do not count
                if let design, let flops = m.factor?.flopsPerFactorization {
                    m.floor = EvaluationFloor.compute(design: design, factorisationFlops: flops)
                }
                return m
            }
            var lastDesign: MixedModelDesign? = nil
            var designTimes = [Double](), modelTimes = [Double](), fitTimes = [Double]()
            var setupCPUTimes = [Double](), fitCPUTimes = [Double]()
            var runs = repeatCount.map { max(1, $0) } ?? 1
            var run = 0
            while run < runs {
                // one scope per run: the previous run's model is freed before the next is built
                let setupCPU0 = Clock.processCPU()
                let (design, designSeconds) = try Clock.measure {
                    try MixedModelDesign(formula: workload.formula, data: loaded.table, options: loaded.options)
                }
                let (model, modelSeconds) = try Clock.measure {
                    try LinearMixedModel(design: design, criterion: workload.criterion)
                }
                if threads == nil { applyRecommendedThreads(model.factor, into: &m) }
                setupCPUTimes.append(Clock.processCPU() - setupCPU0)
                let (fit, fitSeconds, fitCPU) = try Clock.measureWithCPU { try model.fit(conditionalVariances: .never) }
                designTimes.append(designSeconds); modelTimes.append(modelSeconds); fitTimes.append(fitSeconds)
                fitCPUTimes.append(fitCPU)
                if run == 0 {
                    runs = runCount(afterFirst: designSeconds + modelSeconds + fitSeconds, fixed: repeatCount)
                }
                if run == runs - 1 {
                    lastDesign = design
                    record(fit: fit, design: design, model: model, into: &m)
                    let (perEvaluation, perEvaluationCPU, count) = try timeEvaluations(model, theta: fit.theta, seconds: evaluationSeconds)
                    m.secondsPerEvaluation = perEvaluation
                    m.cpuSecondsPerEvaluation = perEvaluationCPU
                    m.evaluationsTimed = count
                    m.factor = factorStatistics(model.factor, secondsPerEvaluation: perEvaluation)
                    if !workload.inference.isEmpty {
                        m.inference = try workload.inference.map { try timeInference($0, model: model, design: design, fit: fit) }
                    }
                }
                run += 1
            }
            m.runs = runs
            m.designSeconds = designTimes.median
            m.modelSeconds = modelTimes.median
            m.setupSeconds = zip(designTimes, modelTimes).map { $0 + $1 }.median
            m.fitSeconds = fitTimes.median
            m.fitSecondsRuns = fitTimes
            m.fitCpuSeconds = fitCPUTimes.median
            m.setupCpuSeconds = setupCPUTimes.median
            if let e = m.evaluations, e > 0 { m.fitSecondsPerEvaluation = fitTimes.median / Double(e) }
            m.peakRssMb = Memory.peakResidentMiB()
            // after the peak was read: the floor's own arrays do not count
            if let lastDesign, let flops = m.factor?.flopsPerFactorization {
                m.floor = EvaluationFloor.compute(design: lastDesign, factorisationFlops: flops)
            }
            m.csvRead = try timeCSVRead(workload, seed: seed, paths: paths)
        } catch {
            m.error = "\(error)"
        }
        if m.peakRssMb == nil { m.peakRssMb = Memory.peakResidentMiB() }
        return m
    }

    /// Simulated workloads of up to 2M rows: their rows written as CSV and read back with
    /// `DataTable(csvFile:)`, timed (the reader's speed on a big file; the fit itself starts from
    /// the rows generated in memory). Run after the peak memory was read, so it does not count.
    static func timeCSVRead(_ workload: Workload, seed: UInt64, paths: ProjectPaths) throws -> CSVReadTiming? {
        guard workload.data.isSimulated, workload.approximateRows <= 2_000_000,
              let simulated = workload.data.simulate(seed: seed) else { return nil }
        let file = try paths.scratchDirectory() + "/csv-read-\(workload.name).csv"
        try CSVWriter.write(simulated, to: file)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        let (table, seconds) = try Clock.measure { try DataTable(csvFile: file) }
        return CSVReadTiming(rows: table.rowCount, megabytes: Double(bytes) / 1_048_576, seconds: seconds)
    }

    /// The GLMM side: `GeneralizedLinearMixedModel` (Laplace, glmer's two stages and its default
    /// Hessian-based standard errors), timed like the linear models; one evaluation is the Laplace
    /// deviance at (θ, β) with PIRLS warm-started.
    static func measureGLMM(_ workload: Workload, loaded: LoadedData, repeatCount: Int?, threads: Int?, evaluationSeconds: Double,
                            into m: inout OurMeasurement) throws -> MixedModelDesign? {
        var lastDesign: MixedModelDesign? = nil
        let family: Family = workload.family == .binomial ? .binomial : .poisson
        var designTimes = [Double](), modelTimes = [Double](), fitTimes = [Double]()
        var setupCPUTimes = [Double](), fitCPUTimes = [Double]()
        var runs = repeatCount.map { max(1, $0) } ?? 1
        var run = 0
        while run < runs {
            let setupCPU0 = Clock.processCPU()
            let (design, designSeconds) = try Clock.measure {
                try MixedModelDesign(formula: workload.formula, data: loaded.table, options: loaded.options)
            }
            let (model, modelSeconds) = try Clock.measure { try GeneralizedLinearMixedModel(design: design, family: family) }
            if threads == nil {
                // as the lmm tool: the recommended BLAS threads, and every core for the points of
                // the Hessian behind the standard errors (they share the BLAS threads)
                applyRecommendedThreads(model.system.factor, into: &m)
                model.workers = BLASThreads.cores
            }
            setupCPUTimes.append(Clock.processCPU() - setupCPU0)
            let (fit, fitSeconds, fitCPU) = try Clock.measureWithCPU { try model.fit() }
            designTimes.append(designSeconds); modelTimes.append(modelSeconds); fitTimes.append(fitSeconds)
            fitCPUTimes.append(fitCPU)
            if run == 0 { runs = runCount(afterFirst: designSeconds + modelSeconds + fitSeconds, fixed: repeatCount) }
            if run == runs - 1 {
                m.nobs = design.nobs; m.p = design.p; m.q = design.q; m.thetaCount = design.thetaCount
                m.evaluations = fit.evaluations
                m.objective = fit.objective
                m.converged = fit.converged
                m.singular = fit.singular
                m.theta = fit.theta
                m.fixef = fit.fixedEffects
                m.fixefNames = fit.fixedEffectNames
                if !fit.warnings.isEmpty { m.note = fit.warnings.joined(separator: "; ") }
                let start = Clock.now(), startCPU = Clock.processCPU()
                var count = 0
                while count < 2 || Clock.now() - start < evaluationSeconds {
                    _ = try model.deviance(theta: fit.theta, beta: fit.fixedEffects)
                    count += 1
                }
                let perEvaluation = (Clock.now() - start) / Double(count)
                m.secondsPerEvaluation = perEvaluation
                m.cpuSecondsPerEvaluation = (Clock.processCPU() - startCPU) / Double(count)
                m.evaluationsTimed = count
                m.factor = factorStatistics(model.system.factor, secondsPerEvaluation: perEvaluation)
                lastDesign = design
            }
            run += 1
        }
        m.runs = runs
        m.designSeconds = designTimes.median
        m.modelSeconds = modelTimes.median
        m.setupSeconds = zip(designTimes, modelTimes).map { $0 + $1 }.median
        m.fitSeconds = fitTimes.median
        m.fitSecondsRuns = fitTimes
        m.fitCpuSeconds = fitCPUTimes.median
        m.setupCpuSeconds = setupCPUTimes.median
        if let e = m.evaluations, e > 0 { m.fitSecondsPerEvaluation = fitTimes.median / Double(e) }
        return lastDesign
    }

    /// Times one inference task on the fitted model (wall seconds, the task's whole work).
    static func timeInference(_ task: InferenceTask, model: LinearMixedModel, design: MixedModelDesign,
                              fit: MixedModelFit) throws -> InferenceTiming {
        switch task {
        case .parametricBootstrap(let nsim):
            let criterion = model.criterion
            let (boot, seconds) = try Clock.measure {
                try runBlocking {
                    try await ParametricBootstrap.run(design: design, fit: fit, criterion: criterion, nsim: nsim,
                                                      seed: 20240601, workers: 2)
                }
            }
            let refits = nsim - boot.failures.count
            return InferenceTiming(task: task.name, seconds: seconds, refitsPerSecond: Double(refits) / seconds)
        case .satterthwaite:
            let (_, seconds) = try Clock.measure {
                let s = try SatterthwaiteApproximation(model: model, fit: fit)
                return (s.coefficientTests(), try s.typeIIIAnova(design: design))
            }
            return InferenceTiming(task: task.name, seconds: seconds)
        case .kenwardRoger:
            let (_, seconds) = try Clock.measure { try KenwardRogerApproximation(model: model, fit: fit).coefficientTests() }
            return InferenceTiming(task: task.name, seconds: seconds)
        }
    }

    /// `--threads auto`: the BLAS threads the `lmm` tool would give this model's factor.
    static func applyRecommendedThreads(_ factor: RandomEffectsFactor, into m: inout OurMeasurement) {
        BLASThreads.set(BLASThreads.recommended(widestSupernodeColumns: factor.choleskyFactor.supernodeStatistics.widestColumns))
        m.blasThreads = BLASThreads.current
    }

    /// Copies what the fit reached into the measurement.
    static func record(fit: MixedModelFit, design: MixedModelDesign, model: LinearMixedModel, into m: inout OurMeasurement) {
        m.nobs = design.nobs
        m.p = design.p
        m.q = design.q
        m.thetaCount = design.thetaCount
        m.evaluations = fit.evaluations
        m.objective = fit.objective
        m.converged = fit.converged
        m.singular = fit.singular
        m.theta = fit.theta
        m.sigma = fit.sigma
        m.fixef = fit.fixedEffects
        m.fixefNames = fit.fixedEffectNames
        if !fit.warnings.isEmpty { m.note = fit.warnings.joined(separator: "; ") }
    }

    /// Evaluates the objective at θ in growing batches until about `seconds` have passed (at
    /// least two evaluations); returns the mean wall and CPU seconds per evaluation and the count.
    /// Every other evaluation is at θ(1 + 10⁻¹²), so that each one refactors (the model reuses its
    /// factorisation when asked for the θ it has just evaluated).
    static func timeEvaluations(_ model: LinearMixedModel, theta: [Double], seconds: Double) throws -> (Double, Double, Int) {
        let nudged = theta.map { $0 * (1 + 1e-12) + 1e-300 }
        let start = Clock.now(), startCPU = Clock.processCPU()
        var count = 0, batch = 1
        while count < 2 || Clock.now() - start < seconds {
            // alternate over the whole run, starting with the nudged θ: the fit ended on θ, and
            // an evaluation at the θ just evaluated is served from the model's cache
            for k in count..<(count + batch) { _ = try model.objective(k % 2 == 0 ? nudged : theta) }
            count += batch
            batch = min(2 * batch, 1000)
        }
        return ((Clock.now() - start) / Double(count), (Clock.processCPU() - startCPU) / Double(count), count)
    }

    /// The factor's size and CHOLMOD's flop count.
    static func factorStatistics(_ factor: RandomEffectsFactor, secondsPerEvaluation: Double) -> FactorStatistics {
        let cholesky = factor.choleskyFactor
        let stats = cholesky.supernodeStatistics
        let flops = cholesky.flopsPerFactorization
        return FactorStatistics(
            supernodal: factor.isSupernodal,
            crossProductEntries: factor.crossProductEntries,
            factorEntries: factor.factorEntries,
            factorValuesMb: factor.factorEntries * 8 / (1024 * 1024),
            supernodes: stats.count,
            widestSupernodeColumns: stats.widestColumns,
            widestSupernodeRows: stats.widestRows,
            flopsPerFactorization: flops,
            gflopsPerSecond: secondsPerEvaluation > 0 ? flops / secondsPerEvaluation / 1e9 : nil)
    }
}
