#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock timing on the monotonic clock (never the calendar clock, which can jump).
enum Clock {
    /// Seconds since an arbitrary fixed point, monotonic, nanosecond resolution.
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + 1e-9 * Double(ts.tv_nsec)
    }

    /// CPU seconds used so far by this process (all threads, user and system).
    static func processCPU() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + 1e-9 * Double(ts.tv_nsec)
    }

    /// Runs `body` and returns its result with the wall seconds it took.
    static func measure<T>(_ body: () throws -> T) rethrows -> (value: T, seconds: Double) {
        let t0 = now()
        let value = try body()
        return (value, now() - t0)
    }

    /// Runs `body` and returns its result with the wall and process-CPU seconds it took. CPU time
    /// well below wall time means the process waited: other work on the machine, or I/O.
    static func measureWithCPU<T>(_ body: () throws -> T) rethrows -> (value: T, seconds: Double, cpuSeconds: Double) {
        let c0 = processCPU()
        let (value, seconds) = try measure(body)
        return (value, seconds, processCPU() - c0)
    }
}

extension Array where Element == Double {
    /// The median (the mean of the two middle values for an even count); NaN when empty.
    var median: Double {
        guard !isEmpty else { return .nan }
        let s = sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
    }
}
