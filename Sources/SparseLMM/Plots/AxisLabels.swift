/// Tick positions and labels of one axis, in data coordinates, with the label font size.
struct AxisTicks {
    var values: [Double]
    var labels: [String]
    var labelSize: Double
    /// Whether labels are drawn at all (a categorical axis with too many levels draws none).
    var showLabels = true
    /// Whether tick marks are drawn at every value (off for dense categorical axes).
    var showTickMarks = true
}

/// Which labels to draw so that no two overlap: labels lying (with their extent) outside
/// `bounds` are dropped, and of the rest every `step`-th is kept, for the smallest step (and the
/// offset keeping the most labels) that leaves at least `gap` pixels between neighbours.
///
/// - Parameters:
///   - centres: label centres along the axis, in pixels, in any order.
///   - extents: each label's size along the axis (width on an x axis, height on a y axis).
func nonOverlappingLabels(centres: [Double], extents: [Double], gap: Double, bounds: ClosedRange<Double>) -> [Int] {
    let order = centres.indices
        .filter { centres[$0] - extents[$0] / 2 >= bounds.lowerBound - 0.5 && centres[$0] + extents[$0] / 2 <= bounds.upperBound + 0.5 }
        .sorted { centres[$0] < centres[$1] }
    guard order.count > 1 else { return order }
    func fits(_ kept: [Int]) -> Bool {
        for (a, b) in zip(kept, kept.dropFirst()) {
            if centres[a] + extents[a] / 2 + gap > centres[b] - extents[b] / 2 { return false }
        }
        return true
    }
    for step in 1...order.count {
        var best: [Int]? = nil
        for offset in 0..<step {
            let kept = stride(from: offset, to: order.count, by: step).map { order[$0] }
            if fits(kept) && kept.count > (best?.count ?? -1) { best = kept }
        }
        if let best { return best }
    }
    return [order[0]]
}
