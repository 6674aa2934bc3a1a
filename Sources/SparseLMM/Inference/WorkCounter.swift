import Synchronization

/// Hands out work items 0, 1, 2, … to concurrent workers (each item to exactly one) and counts
/// the items finished, for progress reports. Lock-free; shared by reference between tasks.
final class WorkCounter: Sendable {
    private let next = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    /// Number of items.
    let total: Int

    init(total: Int) { self.total = total }

    /// The next item, or nil when all have been handed out.
    func take() -> Int? {
        let k = next.add(1, ordering: .relaxed).oldValue
        return k < total ? k : nil
    }

    /// Records an item as finished; returns the number finished so far.
    func finish() -> Int { finished.add(1, ordering: .relaxed).newValue }
}
