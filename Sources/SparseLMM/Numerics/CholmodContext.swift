import CSparseShim
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The kind of sparse Cholesky factor CHOLMOD builds.
public enum FactorKind: Sendable, Equatable {
    /// Column-by-column (up-looking) LL'; best for very sparse factors.
    case simplicial
    /// Dense supernodes handled by BLAS-3; best when the factor fills (crossed designs).
    case supernodal
    /// CHOLMOD decides from the flop count of the analysis.
    case automatic

    var cholmodCode: Int32 {
        switch self {
        case .simplicial: return 0
        case .automatic: return 1
        case .supernodal: return 2
        }
    }
}

/// Errors raised by the sparse and dense linear-algebra layer.
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible {
    /// The matrix handed to a Cholesky factorisation is not positive definite.
    case notPositiveDefinite(column: Int)
    /// CHOLMOD reported a failure (status code and the call that failed).
    case cholmod(status: Int32, call: String)
    /// CHOLMOD ran out of memory.
    case outOfMemory(call: String)
    /// A dense LAPACK routine failed.
    case lapack(routine: String, info: Int32)
    /// The factor would need more than 2³¹ entries (CHOLMOD's 32-bit index limit).
    case tooLarge(call: String)
    /// A solve was asked of a factor that has not been factorised.
    case notFactorized

    public var description: String {
        switch self {
        case .notPositiveDefinite(let column):
            return "the matrix is not positive definite (the leading minor of order \(column + 1) is not positive)"
        case .cholmod(let status, let call):
            return "CHOLMOD failed in \(call) with status \(status)"
        case .outOfMemory(let call):
            return "CHOLMOD ran out of memory in \(call)"
        case .lapack(let routine, let info):
            return "LAPACK \(routine) failed with info = \(info)"
        case .notFactorized:
            return "no numeric factorisation to solve with (factor the matrix first)"
        case .tooLarge:
            return "the sparse Cholesky factor of this model would have more than 2^31 nonzeros (16 GiB of values and beyond 32-bit indices): crossed grouping factors with this many levels fill the factor densely; reduce the levels of the smaller crossed factor"
        }
    }
}

/// Owns one heap-allocated `cholmod_common` (it needs a fixed address) for the lifetime of
/// every CHOLMOD object created with it; `cholmod_finish` runs in `deinit`.
///
/// Thread safety: a context and the matrices and factors made with it must be used by one
/// thread (or task) at a time. Give each concurrent fit its own context.
public final class CholmodContext {
    let common: UnsafeMutablePointer<cholmod_common>

    /// Starts CHOLMOD with printing off and LL' factors.
    public init(kind: FactorKind = .automatic) {
        common = UnsafeMutablePointer<cholmod_common>.allocate(capacity: 1)
        common.initialize(to: cholmod_common())
        _ = csshim_start(common, kind.cholmodCode)
    }

    deinit {
        cholmod_finish(common)
        common.deinitialize(count: 1)
        common.deallocate()
    }

    /// The kind of factor requested for new analyses.
    public var factorKind: FactorKind {
        get {
            switch common.pointee.supernodal {
            case Int32(CHOLMOD_SIMPLICIAL): return .simplicial
            case Int32(CHOLMOD_SUPERNODAL): return .supernodal
            default: return .automatic
            }
        }
        set { common.pointee.supernodal = Int32(newValue == .simplicial ? CHOLMOD_SIMPLICIAL : newValue == .supernodal ? CHOLMOD_SUPERNODAL : CHOLMOD_AUTO) }
    }

    /// Number of blocks CHOLMOD has allocated and not yet freed, its reusable workspace
    /// included (zero after `releaseWorkspace()` when every matrix and factor is gone).
    public var allocationCount: Int { Int(csshim_malloc_count(common)) }

    /// Frees CHOLMOD's reusable workspace held in the common object.
    public func releaseWorkspace() { cholmod_free_work(common) }

    /// Peak memory CHOLMOD has held, in bytes.
    public var peakMemory: Int { Int(common.pointee.memory_usage) }

    /// Throws when the last CHOLMOD call did not succeed.
    func check(_ ok: Int32, _ call: String) throws {
        let status = common.pointee.status
        if status == CHOLMOD_OUT_OF_MEMORY { throw LinearAlgebraError.outOfMemory(call: call) }
        if status == CHOLMOD_TOO_LARGE { throw LinearAlgebraError.tooLarge(call: call) }
        if ok == 0 || status < CHOLMOD_OK { throw LinearAlgebraError.cholmod(status: status, call: call) }
    }
}

/// The number of threads OpenBLAS (and so CHOLMOD's supernodal BLAS calls) may use.
/// The engine sets it to 1 on first use; raise it only when fits do not run in parallel.
public enum BLASThreads {
    /// Sets the OpenBLAS thread count (1 by default).
    public static func set(_ n: Int) { csshim_set_blas_threads(Int32(max(1, n))) }
    /// The current OpenBLAS thread count.
    public static var current: Int { Int(csshim_get_blas_threads()) }

    /// The thread count worth giving one fit that runs alone, for a factor whose widest supernode
    /// has `widestSupernodeColumns` columns: every core for a dense block of 2,000 columns or more
    /// (the filled block of a big crossed design, where dpotrf and dgemm scale), otherwise 1 — on
    /// smaller supernodes OpenBLAS's threads cost more than they save (InstEval and the 20-θ
    /// maximal design fit slower with two threads on two cores).
    public static func recommended(widestSupernodeColumns: Int) -> Int {
        widestSupernodeColumns >= 2000 ? cores : 1
    }

    /// The processors online (at least 1): the default for workers and for a lone fit's BLAS.
    public static var cores: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Runs `body` — work spread over `workers` threads, each factorising on its own — with the
    /// BLAS threads divided among them (at least 1 each), then restores the count: `workers`
    /// fits each calling a BLAS with every core would oversubscribe the machine. The count is
    /// process-wide, so two such sections should not run at once.
    public static func sharing<T>(among workers: Int, _ body: () throws -> T) rethrows -> T {
        let before = current
        set(max(1, before / max(1, workers)))
        defer { set(before) }
        return try body()
    }

    /// `sharing(among:_:)` for asynchronous work (a task group of `workers` tasks).
    public static func sharing<T>(among workers: Int, _ body: () async throws -> T) async rethrows -> T {
        let before = current
        set(max(1, before / max(1, workers)))
        defer { set(before) }
        return try await body()
    }
}
