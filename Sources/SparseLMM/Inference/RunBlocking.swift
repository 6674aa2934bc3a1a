import Dispatch
import Synchronization

/// Runs async work (a task group using several threads) from the synchronous command and waits
/// for its result. The command's thread blocks on a semaphore; the work runs on Swift's
/// concurrency threads.
func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
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
