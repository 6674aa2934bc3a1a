/// Font sizes, spacing and colours shared by every figure. The defaults give a plain,
/// publication-style look: black text, a thin dark panel border, ticks outside the panel, grey
/// strips over small multiples, and the colour-blind-safe Okabe–Ito palette.
public struct PlotTheme: Sendable {
    /// The colour of data points when no grouping colours them.
    public static let defaultPointColor = "#0072B2"
    /// Colours for groups (Okabe–Ito, with grey in place of the low-contrast yellow).
    public static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999"]

    /// Figure title size (px).
    public var titleSize = 15.0
    /// Subtitle / note size (px).
    public var subtitleSize = 11.0
    /// Size of the heading over a block of panels (px).
    public var headingSize = 13.0
    /// Axis title size (px).
    public var axisTitleSize = 12.5
    /// Tick label size (px).
    public var tickLabelSize = 11.0
    /// Smallest size category labels may shrink to before they are thinned (px).
    public var minimumCategoryLabelSize = 7.5
    /// Strip text size (px).
    public var stripSize = 11.0
    /// Legend text size (px).
    public var legendSize = 11.0
    /// Tick length outside the panel (px).
    public var tickLength = 4.0
    /// Space between panels that share both axes (px).
    public var panelGap = 6.0
    /// Outer margin of the figure (px).
    public var outerMargin = 8.0
    /// More categories than this on an axis: draw no category labels, keep the marks.
    public var maximumLabelledCategories = 60

    /// Colour of panel borders and tick marks (text is black).
    public var frameColor = "#4d4d4d"
    /// Fill of the strips over panels.
    public var stripFill = "#e6e6e6"
    /// Colour of reference lines (zero lines, QQ lines).
    public var referenceColor = "#7f7f7f"
    /// Colour of smooths and fitted lines.
    public var accentColor = "#D55E00"
    /// Colour of faint grid lines at the ticks (nil: none).
    public var gridColor: String? = "#ededed"

    /// The default theme.
    public init() {}
}
