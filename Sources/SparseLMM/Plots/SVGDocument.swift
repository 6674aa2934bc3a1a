/// How text is anchored horizontally at its x coordinate (SVG's `text-anchor`).
public enum TextAnchor: String, Sendable {
    /// `start`: text begins at x; `middle`: centred on x; `end`: ends at x.
    case start, middle, end
}

/// A self-contained SVG document built element by element: no external fonts, style sheets or
/// scripts; text uses the generic `sans-serif` family (set once on the root element).
/// Coordinates are pixels from the top-left corner. Every element may carry a `class`
/// attribute naming its role in the plot (`point`, `interval`, `fit`, …) so that tests and
/// scripts can find the marks of a figure.
public struct SVGDocument: Sendable {
    /// Width in pixels.
    public let width: Double
    /// Height in pixels.
    public let height: Double
    private var defs: [String] = []
    private var body: [String] = []
    private var openGroups = 0
    private var clipCount = 0

    /// An empty document of the given size with a white background.
    public init(width: Double, height: Double, background: String? = "#ffffff") {
        self.width = width
        self.height = height
        if let background {
            body.append("<rect width=\"100%\" height=\"100%\" fill=\"\(background)\"/>")
        }
    }

    /// Draws a rectangle.
    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String? = nil,
                              stroke: String? = nil, strokeWidth: Double = 1, role: String? = nil) {
        body.append("<rect\(attr("class", role)) x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" width=\"\(svgNumber(max(0, width)))\" height=\"\(svgNumber(max(0, height)))\" fill=\"\(fill ?? "none")\"\(strokeAttributes(stroke, strokeWidth, nil))/>")
    }

    /// Draws a straight line segment from (x1, y1) to (x2, y2).
    public mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String = "#000000",
                              strokeWidth: Double = 1, dash: [Double]? = nil, role: String? = nil) {
        body.append("<line\(attr("class", role)) x1=\"\(svgNumber(x1))\" y1=\"\(svgNumber(y1))\" x2=\"\(svgNumber(x2))\" y2=\"\(svgNumber(y2))\"\(strokeAttributes(stroke, strokeWidth, dash))/>")
    }

    /// Draws a connected line through `points` (nothing for fewer than two points).
    public mutating func polyline(_ points: [(x: Double, y: Double)], stroke: String = "#000000",
                                  strokeWidth: Double = 1, dash: [Double]? = nil, role: String? = nil) {
        guard points.count >= 2 else { return }
        let coordinates = points.map { "\(svgNumber($0.x)),\(svgNumber($0.y))" }.joined(separator: " ")
        body.append("<polyline\(attr("class", role)) points=\"\(coordinates)\" fill=\"none\"\(strokeAttributes(stroke, strokeWidth, dash)) stroke-linejoin=\"round\"/>")
    }

    /// Draws a circle centred at (cx, cy).
    public mutating func circle(cx: Double, cy: Double, r: Double, fill: String? = nil, stroke: String? = "#000000",
                                strokeWidth: Double = 1, role: String? = nil) {
        body.append("<circle\(attr("class", role)) cx=\"\(svgNumber(cx))\" cy=\"\(svgNumber(cy))\" r=\"\(svgNumber(r))\" fill=\"\(fill ?? "none")\"\(strokeAttributes(stroke, strokeWidth, nil))/>")
    }

    /// Draws a line of text with its baseline at `y` (or centred on `y` with `centredVertically`),
    /// optionally rotated by `rotation` degrees about its anchor point.
    public mutating func text(_ string: String, x: Double, y: Double, size: Double, anchor: TextAnchor = .start,
                              centredVertically: Bool = false, rotation: Double? = nil, bold: Bool = false,
                              fill: String = "#000000", role: String? = nil) {
        let offset = centredVertically ? 0.35 * size : 0
        let position: String
        if let rotation, rotation != 0 {
            // rotate about the anchor point; the vertical centring applies in the text's own frame
            position = " transform=\"translate(\(svgNumber(x)) \(svgNumber(y))) rotate(\(svgNumber(rotation)))\" x=\"0\" y=\"\(svgNumber(offset))\""
        } else {
            position = " x=\"\(svgNumber(x))\" y=\"\(svgNumber(y + offset))\""
        }
        let weight = bold ? " font-weight=\"bold\"" : ""
        let anchorAttribute = anchor == .start ? "" : " text-anchor=\"\(anchor.rawValue)\""
        let fillAttribute = fill == "#000000" ? "" : " fill=\"\(fill)\""
        body.append("<text\(attr("class", role))\(position) font-size=\"\(svgNumber(size))\"\(weight)\(anchorAttribute)\(fillAttribute)>\(escapeXML(string))</text>")
    }

    /// Starts a group whose content is clipped to a rectangle (close it with `endGroup`).
    public mutating func beginClippedGroup(x: Double, y: Double, width: Double, height: Double) {
        clipCount += 1
        let id = "clip\(clipCount)"
        defs.append("<clipPath id=\"\(id)\"><rect x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" width=\"\(svgNumber(max(0, width)))\" height=\"\(svgNumber(max(0, height)))\"/></clipPath>")
        body.append("<g clip-path=\"url(#\(id))\">")
        openGroups += 1
    }

    /// Starts a plain group with an optional role (close it with `endGroup`).
    public mutating func beginGroup(role: String? = nil) {
        body.append("<g\(attr("class", role))>")
        openGroups += 1
    }

    /// Closes the innermost open group.
    public mutating func endGroup() {
        guard openGroups > 0 else { return }
        body.append("</g>")
        openGroups -= 1
    }

    /// Adds an XML comment (`--` sequences are removed so the comment stays well formed).
    public mutating func comment(_ text: String) {
        var t = ""
        for c in text where !(c == "-" && t.last == "-") { t.append(c) }
        if t.last == "-" { t.append(" ") }
        body.append("<!-- \(escapeXML(t)) -->")
    }

    /// The complete SVG text: the XML declaration, the `svg` element with its size and
    /// view box, definitions, and the drawn elements (open groups are closed).
    public func rendered() -> String {
        var lines = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                     "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(svgNumber(width))\" height=\"\(svgNumber(height))\" viewBox=\"0 0 \(svgNumber(width)) \(svgNumber(height))\" font-family=\"sans-serif\">"]
        if !defs.isEmpty { lines.append("<defs>" + defs.joined() + "</defs>") }
        lines += body
        for _ in 0..<openGroups { lines.append("</g>") }
        lines.append("</svg>")
        return lines.joined(separator: "\n") + "\n"
    }

    private func attr(_ name: String, _ value: String?) -> String {
        value.map { " \(name)=\"\(escapeXML($0))\"" } ?? ""
    }

    private func strokeAttributes(_ stroke: String?, _ width: Double, _ dash: [Double]?) -> String {
        guard let stroke else { return "" }
        var s = " stroke=\"\(stroke)\""
        if width != 1 { s += " stroke-width=\"\(svgNumber(width))\"" }
        if let dash, !dash.isEmpty { s += " stroke-dasharray=\"\(dash.map(svgNumber).joined(separator: " "))\"" }
        return s
    }
}

/// Escapes text for XML character data and attribute values (`&`, `<`, `>`, `"`, `'`), and
/// drops control characters that XML 1.0 does not allow.
public func escapeXML(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for scalar in s.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default:
            let v = scalar.value
            if v < 0x20 && v != 0x09 && v != 0x0A && v != 0x0D { continue }
            if v == 0xFFFE || v == 0xFFFF { continue }
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// A coordinate written compactly: rounded to 0.01 pixel, without trailing zeros or a
/// negative zero (`12`, `3.5`, `-0.25`). Non-finite values are written as 0.
public func svgNumber(_ x: Double) -> String {
    guard x.isFinite else { return "0" }
    let hundredths = (x * 100).rounded()
    if hundredths == 0 { return "0" }
    guard abs(hundredths) < 9e15 else { return RNumberFormat.printf("%.0f", x) }
    let n = Int64(hundredths)
    let sign = n < 0 ? "-" : ""
    let m = n.magnitude
    let whole = m / 100, frac = m % 100
    if frac == 0 { return "\(sign)\(whole)" }
    if frac % 10 == 0 { return "\(sign)\(whole).\(frac / 10)" }
    return "\(sign)\(whole).\(frac < 10 ? "0" : "")\(frac)"
}
