/// How a mark is drawn: its colour, line width and dash pattern, and for points the radius
/// and whether the circle is filled.
public struct MarkStyle: Sendable, Equatable {
    /// Stroke (and, for filled points, fill) colour, as an SVG colour (`#0072B2`).
    public var color: String
    /// Line width in pixels.
    public var lineWidth: Double
    /// Dash pattern in pixels (dash, gap, …), or nil for a solid line.
    public var dash: [Double]?
    /// Point radius in pixels.
    public var pointRadius: Double
    /// Whether points are filled discs rather than open circles.
    public var filled: Bool

    /// A style; the defaults draw open blue circles of radius 2.5 and solid 1 px lines.
    public init(color: String = PlotTheme.defaultPointColor, lineWidth: Double = 1, dash: [Double]? = nil,
                pointRadius: Double = 2.5, filled: Bool = false) {
        self.color = color
        self.lineWidth = lineWidth
        self.dash = dash
        self.pointRadius = pointRadius
        self.filled = filled
    }
}

/// One layer of a panel, in data coordinates: points, a connected line, separate segments, or
/// a reference line across the panel. Its `role` becomes the SVG `class` attribute of every
/// element it draws (`point`, `fit`, `interval`, `reference`, …).
public struct PlotMark: Sendable {
    /// What a mark draws.
    public enum Shape: Sendable {
        /// One circle per (x, y) pair; pairs with a non-finite coordinate are skipped.
        case points(x: [Double], y: [Double])
        /// A line through the (x, y) pairs in the order given, broken at non-finite values.
        case polyline(x: [Double], y: [Double])
        /// Separate segments from (x0, y0) to (x1, y1).
        case segments(x0: [Double], y0: [Double], x1: [Double], y1: [Double])
        /// A horizontal line across the whole panel at height y.
        case horizontalLine(y: Double)
        /// A vertical line across the whole panel at position x.
        case verticalLine(x: Double)
        /// The straight line y = intercept + slope · x across the whole panel (R's `abline`).
        case straightLine(intercept: Double, slope: Double)
    }

    /// What is drawn.
    public var shape: Shape
    /// How it is drawn.
    public var style: MarkStyle
    /// The SVG class of the drawn elements.
    public var role: String

    /// A mark drawing `shape` in `style`, its elements classed `role`.
    public init(_ shape: Shape, style: MarkStyle = MarkStyle(), role: String) {
        self.shape = shape
        self.style = style
        self.role = role
    }

    /// Points at (x[i], y[i]).
    public static func points(x: [Double], y: [Double], style: MarkStyle = MarkStyle(), role: String = "point") -> PlotMark {
        PlotMark(.points(x: x, y: y), style: style, role: role)
    }

    /// A line through (x[i], y[i]) in order.
    public static func polyline(x: [Double], y: [Double], style: MarkStyle, role: String) -> PlotMark {
        PlotMark(.polyline(x: x, y: y), style: style, role: role)
    }

    /// The data extent of the mark: x and y ranges of its finite coordinates; reference lines
    /// that span the panel have none and do not widen the axes.
    var extent: (x: ClosedRange<Double>?, y: ClosedRange<Double>?) {
        switch shape {
        case .points(let x, let y), .polyline(let x, let y):
            let pairs = zip(x, y).filter { $0.0.isFinite && $0.1.isFinite }
            return (range(pairs.map { $0.0 }), range(pairs.map { $0.1 }))
        case .segments(let x0, let y0, let x1, let y1):
            return (range(x0 + x1), range(y0 + y1))
        case .horizontalLine, .verticalLine, .straightLine:
            return (nil, nil)
        }
    }
}

/// The range of the finite values, or nil when there are none.
func range(_ values: [Double]) -> ClosedRange<Double>? {
    var lo = Double.infinity, hi = -Double.infinity
    for v in values where v.isFinite {
        lo = min(lo, v)
        hi = max(hi, v)
    }
    return lo <= hi ? lo...hi : nil
}

/// The smallest range holding both (either may be nil).
func union(_ a: ClosedRange<Double>?, _ b: ClosedRange<Double>?) -> ClosedRange<Double>? {
    guard let a else { return b }
    guard let b else { return a }
    return min(a.lowerBound, b.lowerBound)...max(a.upperBound, b.upperBound)
}
