/// What our engine measured on one workload. The child process that runs the workload writes it
/// as JSON (snake_case keys) and the parent reads it back; it also goes into `--json` reports.
/// Sizes in MB are MiB (2²⁰ bytes). Optional fields are absent when they do not apply or could not
/// be measured: never a made-up number.
struct OurMeasurement: Codable, Sendable {
    /// Whether our engine fitted the model (false for families it cannot fit yet).
    var available: Bool
    /// Why not, or anything else worth knowing.
    var note: String?
    /// The error that stopped the workload, if any.
    var error: String?
    var nobs: Int?
    /// Fixed-effect columns.
    var p: Int?
    /// Random effects.
    var q: Int?
    var thetaCount: Int?
    /// Reading the CSV (fixture data) or generating the rows in memory (simulated data).
    var loadSeconds: Double?
    /// `MixedModelDesign` (model frame, X, random-effects terms), median over runs.
    var designSeconds: Double?
    /// `LinearMixedModel.init` (cross-products of [Z X y], symbolic analysis), median over runs.
    var modelSeconds: Double?
    /// designSeconds + modelSeconds.
    var setupSeconds: Double?
    /// CPU seconds of design + model setup, median over runs.
    var setupCpuSeconds: Double?
    /// `fit()` (optimisation and the results at the optimum), median over runs.
    var fitSeconds: Double?
    var fitSecondsRuns: [Double]?
    /// CPU seconds of the fit (this process), median over runs: well below fitSeconds means the
    /// fit waited for a core (other work on the machine).
    var fitCpuSeconds: Double?
    var runs: Int?
    /// Objective evaluations of the fit.
    var evaluations: Int?
    /// fitSeconds / evaluations (optimiser and results at the optimum included).
    var fitSecondsPerEvaluation: Double?
    /// One objective evaluation at the optimum θ, timed separately (mean over `evaluationsTimed`).
    var secondsPerEvaluation: Double?
    /// The same in CPU seconds (below the wall time when the machine was busy).
    var cpuSecondsPerEvaluation: Double?
    var evaluationsTimed: Int?
    /// REML criterion or ML deviance at the optimum.
    var objective: Double?
    var converged: Bool?
    var singular: Bool?
    var theta: [Double]?
    var sigma: Double?
    var fixef: [Double]?
    var fixefNames: [String]?
    var factor: FactorStatistics?
    /// What an exact evaluation cannot avoid (crossed designs only).
    var floor: EvaluationFloor?
    /// Peak resident memory of the child process (data, design, model and every run).
    var peakRssMb: Double?
    /// Resident memory before loading the data and right after it.
    var rssBaselineMb: Double?
    var rssAfterLoadMb: Double?
    var blasThreads: Int?
    /// Inference timed after the fit: what was run and its wall seconds.
    var inference: [InferenceTiming]?
    /// Reading the simulated rows back from a CSV file (simulated workloads up to 2M rows).
    var csvRead: CSVReadTiming?
}

/// `DataTable(csvFile:)` on a workload's rows written as CSV.
struct CSVReadTiming: Codable, Sendable {
    var rows: Int
    var megabytes: Double
    var seconds: Double
}

/// One timed inference task (`Workload.inference`).
struct InferenceTiming: Codable, Sendable {
    var task: String
    var seconds: Double
    /// Refits per second, for the bootstrap.
    var refitsPerSecond: Double?
}

/// The sparse Cholesky factor of Λ'Z'ZΛ + I behind an evaluation.
struct FactorStatistics: Codable, Sendable {
    var supernodal: Bool
    /// Stored entries of Z'Z (one triangle).
    var crossProductEntries: Int
    /// Entries of L (dense supernodal blocks included).
    var factorEntries: Double
    /// Memory of L's values: 8 bytes per entry (not CHOLMOD's whole peak, which the library does
    /// not expose).
    var factorValuesMb: Double
    var supernodes: Int
    var widestSupernodeColumns: Int
    var widestSupernodeRows: Int
    /// Flops of one numeric factorisation, from CHOLMOD's analysis.
    var flopsPerFactorization: Double
    /// flopsPerFactorization / secondsPerEvaluation (the whole evaluation, so a lower bound on
    /// the factorisation's own rate).
    var gflopsPerSecond: Double?
}

/// What R measured on one workload (perf/lme4_fit.R's JSON, snake_case keys).
struct EngineMeasurement: Codable, Sendable {
    var engine: String?
    var engineVersion: String?
    var rVersion: String?
    var blas: String?
    var openblasNumThreads: String?
    var error: String?
    var family: String?
    var method: String?
    var nobs: Int?
    var q: Int?
    var objective: Double?
    var evaluations: Int?
    /// Wall seconds of the fitting call (median over `runs`).
    var fitSeconds: Double?
    var fitSecondsRuns: [Double]?
    /// CPU seconds (user + system) of the R process during the fitting call, median over runs.
    var fitCpuSeconds: Double?
    var runs: Int?
    var secondsPerEvaluation: Double?
    var cpuSecondsPerEvaluation: Double?
    var evaluationsTimed: Int?
    var evaluationNote: String?
    var theta: [Double]?
    var fixef: [Double]?
    var fixefNames: [String]?
    var sigma: Double?
    var convergence: String?
    var warnings: [String]?
    var messages: [String]?
    /// Peak resident memory of the R process (VmHWM: R itself, the data frame, every run).
    var peakRssMb: Double?
    /// Wall seconds of the whole Rscript process (reading the CSV included), measured by bench.
    var processSeconds: Double?
}
