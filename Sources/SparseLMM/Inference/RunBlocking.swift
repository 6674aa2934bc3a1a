import Dispatch
import Synchronization

/// Runs async work (a task group using several threads, such as the parametric bootstrap) from
/// synchronous code — the `lmm` tool's commands, the benchmark — and waits for its result. The
/// calling thread blocks on a semaphore; the work runs on Swift's concurrency threads, so it must
/// not be called from inside an async context. Shared by this package's executables only.
package func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let result = Mutex<Result<T, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        let r: Result<T, any Error>
        do { r = .success(try await body()) } catch { r = .failure(error) }
        result.withLock { $0 = r }
        done.signal()
    }
    done.wait()
    return try result.withLock { $0! }.get()
}
