/// One panel of a figure: its marks in data coordinates and, for a small multiple, the strip
/// text above it. A panel whose y axis is categorical (a caterpillar plot's levels) lists the
/// category labels for y = 1, 2, …, n from the bottom up.
public struct PlotPanel: Sendable {
    /// Strip text above the panel (nil: no strip).
    public var title: String?
    /// The layers, drawn in order.
    public var marks: [PlotMark]
    /// Category labels for y = 1…n, bottom to top, for a categorical y axis.
    public var yCategories: [String]?
    /// A data range the x axis must include, beyond the marks' own.
    public var xInclude: ClosedRange<Double>?
    /// A data range the y axis must include, beyond the marks' own.
    public var yInclude: ClosedRange<Double>?
    /// Whether the x values are whole numbers (indices, counts): ticks at whole numbers only.
    public var xIntegerValued: Bool

    /// A panel drawing `marks`, with an optional strip title and categorical y axis.
    public init(title: String? = nil, marks: [PlotMark], yCategories: [String]? = nil,
                xInclude: ClosedRange<Double>? = nil, yInclude: ClosedRange<Double>? = nil, xIntegerValued: Bool = false) {
        self.title = title
        self.marks = marks
        self.yCategories = yCategories
        self.xInclude = xInclude
        self.yInclude = yInclude
        self.xIntegerValued = xIntegerValued
    }
}

/// A block of panels laid out in a grid (lattice's small multiples), with common x and y axis
/// titles and, optionally, a heading. Scales are shared across panels (axis labels only on the
/// outer panels) or free (each panel labels its own axes).
public struct PanelGrid: Sendable {
    /// Bold text over the block (nil: none).
    public var heading: String?
    /// Title of the x axis.
    public var xLabel: String?
    /// Title of the y axis.
    public var yLabel: String?
    /// The panels, placed row by row from the top left.
    public var panels: [PlotPanel]
    /// Number of panel columns (nil: chosen so that panels are about square).
    public var columns: Int?
    /// Whether all panels use one x scale.
    public var sharedX: Bool
    /// Whether all panels use one y scale.
    public var sharedY: Bool
    /// This block's share of the figure height when several blocks are stacked.
    public var heightWeight: Double

    /// A block of panels with axis titles; see the properties for the layout options.
    public init(heading: String? = nil, xLabel: String? = nil, yLabel: String? = nil, panels: [PlotPanel],
                columns: Int? = nil, sharedX: Bool = true, sharedY: Bool = true, heightWeight: Double = 1) {
        self.heading = heading
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.panels = panels
        self.columns = columns
        self.sharedX = sharedX
        self.sharedY = sharedY
        self.heightWeight = heightWeight
    }
}

/// An entry of a figure's key: a swatch drawn as the mark it stands for, and its label.
public struct LegendEntry: Sendable {
    /// How the swatch is drawn.
    public enum Swatch: Sendable {
        /// `point`: a point mark; `line`: a short line segment.
        case point, line
    }
    /// The text next to the swatch.
    public var label: String
    /// Whether the swatch is a point or a line.
    public var swatch: Swatch
    /// The colour, width and dash of the swatch.
    public var style: MarkStyle

    /// A key entry drawn as `swatch` in `style`.
    public init(label: String, swatch: Swatch, style: MarkStyle) {
        self.label = label
        self.swatch = swatch
        self.style = style
    }
}

/// Where a figure's key goes.
public enum LegendPlacement: Sendable {
    /// A column of entries at the right of the panels (group colours).
    case right
    /// One row of entries under the title (kinds of marks).
    case top
}

/// A complete figure: a title, an optional note under it, one or more blocks of panels stacked
/// top to bottom, and an optional key. `svg()` lays it out and writes a self-contained SVG.
public struct PlotFigure: Sendable {
    /// Bold text centred at the top (nil: none).
    public var title: String?
    /// A smaller line under the title (what was plotted, how many panels were left out, …).
    public var subtitle: String?
    /// The blocks of panels, top to bottom.
    public var grids: [PanelGrid]
    /// The key's entries (empty: no key).
    public var legend: [LegendEntry]
    /// A bold title over a key at the right (the grouping variable's name).
    public var legendTitle: String?
    /// Where the key goes.
    public var legendPlacement: LegendPlacement
    /// Size in pixels.
    public var width: Double
    /// Height in pixels.
    public var height: Double
    /// Fonts, spacing and colours.
    public var theme: PlotTheme

    /// A figure of the given blocks of panels, 640 × 480 pixels unless told otherwise.
    public init(title: String? = nil, subtitle: String? = nil, grids: [PanelGrid], legend: [LegendEntry] = [],
                legendTitle: String? = nil, legendPlacement: LegendPlacement = .right, width: Double = 640, height: Double = 480,
                theme: PlotTheme = PlotTheme()) {
        self.title = title
        self.subtitle = subtitle
        self.grids = grids
        self.legend = legend
        self.legendTitle = legendTitle
        self.legendPlacement = legendPlacement
        self.width = width
        self.height = height
        self.theme = theme
    }

    /// The figure as SVG text.
    public func svg() -> String { document().rendered() }
}
