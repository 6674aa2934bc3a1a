#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension PlotFigure {
    /// Lays the figure out and draws it: title and note at the top, the key under them or at
    /// the right, then the blocks of panels stacked with heights in proportion to their weights.
    /// Margins are computed from the estimated widths of the tick labels and titles.
    public func document() -> SVGDocument {
        let t = theme
        var doc = SVGDocument(width: width, height: height)
        var top = t.outerMargin
        let textWidth = width - 2 * t.outerMargin
        if let title {
            let size = fittedTextSize(title, size: t.titleSize, width: textWidth, bold: true)
            doc.text(title, x: width / 2, y: top + size, size: size, anchor: .middle, bold: true, role: "title")
            top += size * 1.45
        }
        if let subtitle {
            let size = fittedTextSize(subtitle, size: t.subtitleSize, width: textWidth)
            doc.text(subtitle, x: width / 2, y: top + size, size: size, anchor: .middle, fill: "#333333", role: "subtitle")
            top += size * 1.5
        }
        if title != nil || subtitle != nil { top += 4 }
        var right = width - t.outerMargin
        if !legend.isEmpty {
            switch legendPlacement {
            case .top:
                top += drawTopLegend(into: &doc, y: top) + 4
            case .right:
                let w = legendWidth
                drawRightLegend(into: &doc, x: width - t.outerMargin - w, top: top, bottom: height - t.outerMargin)
                right -= w + 10
            }
        }
        let available = height - t.outerMargin - top
        let weights = grids.map { max($0.heightWeight, 0.01) }
        let total = weights.reduce(0, +)
        var y = top
        for (grid, w) in zip(grids, weights) {
            let h = available * w / total
            GridRenderer(grid: grid, theme: t).draw(into: &doc, x: t.outerMargin, y: y, width: right - t.outerMargin, height: h)
            y += h
        }
        return doc
    }

    private var legendWidth: Double {
        let labels = legend.map { estimatedTextWidth($0.label, size: theme.legendSize) + 26 }
        let title = legendTitle.map { estimatedTextWidth($0, size: theme.legendSize) * 1.1 } ?? 0
        return max(labels.max() ?? 0, title)
    }

    private func drawSwatch(_ e: LegendEntry, into doc: inout SVGDocument, x: Double, y: Double) {
        switch e.swatch {
        case .point:
            doc.circle(cx: x + 8, cy: y, r: e.style.pointRadius, fill: e.style.filled ? e.style.color : nil,
                       stroke: e.style.color, strokeWidth: e.style.lineWidth, role: "legend-swatch")
        case .line:
            doc.line(x1: x, y1: y, x2: x + 16, y2: y, stroke: e.style.color, strokeWidth: e.style.lineWidth,
                     dash: e.style.dash, role: "legend-swatch")
        }
    }

    private func drawRightLegend(into doc: inout SVGDocument, x: Double, top: Double, bottom: Double) {
        let line = theme.legendSize * 1.5
        let h = Double(legend.count + (legendTitle == nil ? 0 : 1)) * line
        var y = max(top + line / 2, (top + bottom) / 2 - h / 2 + line / 2)
        doc.beginGroup(role: "legend")
        if let legendTitle {
            doc.text(legendTitle, x: x, y: y, size: theme.legendSize, centredVertically: true, bold: true, role: "legend-title")
            y += line
        }
        for e in legend {
            drawSwatch(e, into: &doc, x: x, y: y)
            doc.text(e.label, x: x + 22, y: y, size: theme.legendSize, centredVertically: true, role: "legend-label")
            y += line
        }
        doc.endGroup()
    }

    /// Draws the key in centred rows (as many entries per row as fit); returns its height.
    private func drawTopLegend(into doc: inout SVGDocument, y: Double) -> Double {
        let widths = legend.map { estimatedTextWidth($0.label, size: theme.legendSize) + 22 }
        let spacing = 24.0
        let available = width - 2 * theme.outerMargin
        var rows = [[Int]]()
        var rowWidth = 0.0
        for (i, w) in widths.enumerated() {
            if let last = rows.indices.last, rowWidth + spacing + w <= available {
                rows[last].append(i)
                rowWidth += spacing + w
            } else {
                rows.append([i])
                rowWidth = w
            }
        }
        let line = theme.legendSize * 1.5
        doc.beginGroup(role: "legend")
        for (r, row) in rows.enumerated() {
            let total = row.reduce(0) { $0 + widths[$1] } + spacing * Double(row.count - 1)
            var x = max(theme.outerMargin, (width - total) / 2)
            let centre = y + theme.legendSize * 0.75 + Double(r) * line
            for i in row {
                drawSwatch(legend[i], into: &doc, x: x, y: centre)
                doc.text(legend[i].label, x: x + 22, y: centre, size: theme.legendSize, centredVertically: true, role: "legend-label")
                x += widths[i] + spacing
            }
        }
        doc.endGroup()
        return line * Double(rows.count)
    }
}

/// The largest size ≤ `size` (down to 7 px, in half pixels) at which `text` fits in `width`.
func fittedTextSize(_ text: String, size: Double, width: Double, bold: Bool = false) -> Double {
    let w = estimatedTextWidth(text, size: size) * (bold ? 1.1 : 1)
    guard w > width, w > 0 else { return size }
    return max(7, (size * width / w * 2).rounded(.down) / 2)
}

/// Lays out and draws one `PanelGrid` in a rectangle.
struct GridRenderer {
    let grid: PanelGrid
    let theme: PlotTheme

    /// A panel's scales before pixel positions are known.
    struct Scales {
        var x: LinearScale
        var y: LinearScale
        var xTicks: AxisTicks
        var yTicks: AxisTicks
    }

    func draw(into doc: inout SVGDocument, x frameX: Double, y frameY: Double, width: Double, height: Double) {
        let t = theme
        var top = frameY
        if let heading = grid.heading {
            doc.text(heading, x: frameX, y: top + t.headingSize, size: t.headingSize, bold: true, role: "heading")
            top += t.headingSize * 1.6
        }
        let panels = grid.panels
        guard !panels.isEmpty else {
            doc.text("no data to plot", x: frameX + width / 2, y: top + 20, size: t.axisTitleSize, anchor: .middle)
            return
        }
        let bottomEdge = frameY + height
        let stripH = panels.contains { $0.title != nil } ? (t.stripSize * 1.65).rounded() : 0
        let xTickH = t.tickLength + 3 + t.tickLabelSize
        let xTitleH = grid.xLabel != nil ? t.axisTitleSize * 1.7 : 0
        let yTitleW = grid.yLabel != nil ? t.axisTitleSize * 1.7 : 0
        let rowGap = grid.sharedX ? t.panelGap : xTickH + t.panelGap + 2

        // scales (pixels come later)
        var scales = panels.map { scalesFor($0) }
        if grid.sharedX {
            let xr = panels.reduce(nil as ClosedRange<Double>?) { union($0, xRange($1)) }
            let shared = LinearScale(low: xr?.lowerBound ?? 0, high: xr?.upperBound ?? 1, pixelStart: 0, pixelEnd: 1,
                                     integerTicks: panels.allSatisfy { $0.xIntegerValued })
            for i in scales.indices { scales[i].x = shared; scales[i].xTicks = ticks(shared) }
        }
        if grid.sharedY && !panels.contains(where: { $0.yCategories != nil }) {
            let yr = panels.reduce(nil as ClosedRange<Double>?) { union($0, yRange($1)) }
            let shared = LinearScale(low: yr?.lowerBound ?? 0, high: yr?.upperBound ?? 1, pixelStart: 0, pixelEnd: 1)
            for i in scales.indices { scales[i].y = shared; scales[i].yTicks = ticks(shared) }
        }

        // vertical layout
        let yTitleAndTicksProbe = yTitleW + maxYLabelWidth(scales) + t.tickLength + 4
        let approximateWidth = width - yTitleAndTicksProbe
        let columns = grid.columns.map { max(1, min($0, panels.count)) }
            ?? automaticColumns(count: panels.count, width: approximateWidth, height: bottomEdge - top - xTickH - xTitleH, strip: stripH)
        let rows = (panels.count + columns - 1) / columns
        let cellH = max(10, (bottomEdge - top - xTickH - xTitleH - rowGap * Double(rows - 1)) / Double(rows))
        let panelH = max(4, cellH - stripH)

        // categorical axes: size labels to the spacing, thin or drop them
        for i in scales.indices where panels[i].yCategories != nil {
            fitCategoryLabels(&scales[i].yTicks, panelHeight: panelH)
            // keep the first and last rows' marks clear of the panel's edges (and the strip):
            // at least 4 px, however many rows share the height
            let n = Double(max(panels[i].yCategories!.count, 1))
            let rowHeight = panelH / (n + 1)
            let pad = 4 / max(rowHeight, 1e-9)
            scales[i].y = LinearScale(domain: (1 - max(0.6, pad))...(n + max(0.6, pad)), pixelStart: 0, pixelEnd: 1)
        }

        // horizontal layout
        let yLabelW = maxYLabelWidth(scales)
        let yAxisW = yLabelW + t.tickLength + (yLabelW > 0 ? 4 : 0)
        let colGap = grid.sharedY ? t.panelGap : yAxisW + t.panelGap + 2
        let left = frameX + yTitleW + yAxisW
        let rightSlack = 6.0
        let cellW = max(10, (frameX + width - rightSlack - left - colGap * Double(columns - 1)) / Double(columns))

        for (i, panel) in panels.enumerated() {
            let r = i / columns, c = i % columns
            let px = left + Double(c) * (cellW + colGap)
            let py = top + Double(r) * (cellH + rowGap) + stripH
            let xs = scales[i].x.mapped(pixelStart: px, pixelEnd: px + cellW)
            let ys = scales[i].y.mapped(pixelStart: py + panelH, pixelEnd: py)
            doc.beginGroup(role: "panel")
            if let title = panel.title {
                doc.rect(x: px, y: py - stripH, width: cellW, height: stripH, fill: t.stripFill, stroke: t.frameColor, strokeWidth: 0.8, role: "strip")
                let size = fittedTextSize(title, size: t.stripSize, width: cellW - 6)
                doc.text(title, x: px + cellW / 2, y: py - stripH / 2, size: size, anchor: .middle, centredVertically: true, role: "strip-label")
            }
            drawGrid(into: &doc, xs: xs, ys: ys, xTicks: scales[i].xTicks, yTicks: scales[i].yTicks)
            doc.beginClippedGroup(x: px, y: py, width: cellW, height: panelH)
            for mark in panel.marks { draw(mark, into: &doc, xs: xs, ys: ys) }
            doc.endGroup()
            doc.rect(x: px, y: py, width: cellW, height: panelH, stroke: t.frameColor, strokeWidth: 0.8, role: "panel-border")
            let lowestInColumn = i + columns >= panels.count
            let showX = !grid.sharedX || lowestInColumn
            let showY = !grid.sharedY || c == 0
            // label bounds: a side with no neighbouring labels (the first column, the last
            // column, the last panel of a row) reaches to the grid's edge; towards a neighbour,
            // the gap is split so that the neighbours' labels stay 0.6 em apart
            let xBounds = xLabelBounds(panel: i, column: c, columns: columns, count: panels.count, px: px, cellW: cellW,
                                       colGap: colGap, scales: scales[i], gridLeft: frameX + yTitleW, gridRight: frameX + width)
            let yBounds = (r == 0 ? top : py - stripH - rowGap / 2)...(showX && grid.sharedX ? py + panelH + 2 : py + panelH + rowGap / 2)
            if showX { drawXAxis(into: &doc, scale: xs, ticks: scales[i].xTicks, y: py + panelH, bounds: xBounds) }
            if showY { drawYAxis(into: &doc, scale: ys, ticks: scales[i].yTicks, x: px, bounds: yBounds) }
            doc.endGroup()
        }

        // axis titles, centred on the panel area
        let panelsRight = left + Double(columns) * cellW + Double(columns - 1) * colGap
        let panelsBottom = top + Double(rows) * cellH + Double(rows - 1) * rowGap
        if let xl = grid.xLabel {
            doc.text(xl, x: (left + panelsRight) / 2, y: panelsBottom + xTickH + xTitleH * 0.72, size: t.axisTitleSize, anchor: .middle, role: "axis-title")
        }
        if let yl = grid.yLabel {
            doc.text(yl, x: frameX + yTitleW * 0.4, y: (top + panelsBottom) / 2, size: t.axisTitleSize, anchor: .middle,
                     centredVertically: true, rotation: -90, role: "axis-title")
        }
    }

    /// The span an x axis's tick labels may use. Where a panel has a neighbour in its row whose
    /// labels sit at the same height, the gap between them is split: with a shared scale (the
    /// same labels in every panel) a label overhanging the panel's edge keeps the room the
    /// neighbour's first or last label leaves free, else each side gets half the gap. Without a
    /// neighbour the labels may reach the grid's edge (the margin).
    func xLabelBounds(panel i: Int, column c: Int, columns: Int, count: Int, px: Double, cellW: Double, colGap: Double,
                      scales: Scales, gridLeft: Double, gridRight: Double) -> ClosedRange<Double> {
        let gap = 0.6 * theme.tickLabelSize
        let halfGap = colGap / 2 - gap / 2
        var low = px - halfGap, high = px + cellW + halfGap
        let hasLeft = c > 0, hasRight = c < columns - 1 && i + 1 < count
        if grid.sharedX, scales.xTicks.showLabels, let first = scales.xTicks.values.indices.first, let last = scales.xTicks.values.indices.last {
            // overhangs of the first label past the left edge and of the last past the right edge
            let xs = scales.x.mapped(pixelStart: px, pixelEnd: px + cellW)
            let size = scales.xTicks.labelSize
            let leftOverhang = px - (xs.pixel(scales.xTicks.values[first]) - estimatedTextWidth(scales.xTicks.labels[first], size: size) / 2)
            let rightOverhang = xs.pixel(scales.xTicks.values[last]) + estimatedTextWidth(scales.xTicks.labels[last], size: size) / 2 - (px + cellW)
            // both fit between two neighbouring panels
            if colGap - leftOverhang - rightOverhang >= gap {
                low = px - colGap + rightOverhang + gap
                high = px + cellW + colGap - leftOverhang - gap
            }
        }
        // a left neighbour without labels at this height (a shared x axis drawn under a taller
        // column) has the next row's strip below it: stay within half the gap
        if hasLeft && grid.sharedX && i - 1 + columns < count { low = px - max(halfGap, 0) }
        if !hasLeft { low = gridLeft }
        if !hasRight { high = gridRight }
        return min(low, px)...max(high, px + cellW)
    }

    // MARK: scales

    func xRange(_ p: PlotPanel) -> ClosedRange<Double>? {
        union(p.marks.reduce(nil as ClosedRange<Double>?) { union($0, $1.extent.x) }, p.xInclude)
    }

    func yRange(_ p: PlotPanel) -> ClosedRange<Double>? {
        union(p.marks.reduce(nil as ClosedRange<Double>?) { union($0, $1.extent.y) }, p.yInclude)
    }

    func ticks(_ s: LinearScale) -> AxisTicks {
        AxisTicks(values: s.ticks, labels: s.tickLabels, labelSize: theme.tickLabelSize)
    }

    func scalesFor(_ p: PlotPanel) -> Scales {
        let xr = xRange(p)
        let x = LinearScale(low: xr?.lowerBound ?? 0, high: xr?.upperBound ?? 1, pixelStart: 0, pixelEnd: 1, integerTicks: p.xIntegerValued)
        if let categories = p.yCategories {
            let n = Double(max(categories.count, 1))
            let y = LinearScale(domain: 0.4...(n + 0.6), pixelStart: 0, pixelEnd: 1)
            let yt = AxisTicks(values: categories.indices.map { Double($0 + 1) }, labels: categories, labelSize: theme.tickLabelSize)
            return Scales(x: x, y: y, xTicks: ticks(x), yTicks: yt)
        }
        let yr = yRange(p)
        let y = LinearScale(low: yr?.lowerBound ?? 0, high: yr?.upperBound ?? 1, pixelStart: 0, pixelEnd: 1)
        return Scales(x: x, y: y, xTicks: ticks(x), yTicks: ticks(y))
    }

    /// Shrinks category labels to the row spacing (down to the theme's minimum size); beyond
    /// `maximumLabelledCategories` levels, or when even the smallest size is too large, the
    /// labels are dropped (thinning is done when drawing) and the tick marks are left out.
    func fitCategoryLabels(_ ticks: inout AxisTicks, panelHeight: Double) {
        let n = ticks.values.count
        guard n > 0 else { return }
        if n > theme.maximumLabelledCategories {
            ticks.showLabels = false
            ticks.showTickMarks = false
            return
        }
        let spacing = panelHeight / (Double(n) + 0.2)
        ticks.labelSize = min(theme.tickLabelSize, max(theme.minimumCategoryLabelSize, (spacing / 1.15 * 2).rounded(.down) / 2))
        if spacing < 3 { ticks.showTickMarks = false }
    }

    func maxYLabelWidth(_ scales: [Scales]) -> Double {
        var w = 0.0
        for s in scales where s.yTicks.showLabels {
            for l in s.yTicks.labels { w = max(w, estimatedTextWidth(l, size: s.yTicks.labelSize)) }
        }
        return w
    }

    /// Columns for `count` panels that make the panels closest to square, with a small penalty
    /// for empty cells.
    func automaticColumns(count: Int, width: Double, height: Double, strip: Double) -> Int {
        var best = 1, bestScore = Double.infinity
        for c in 1...count {
            let r = (count + c - 1) / c
            if c > 1 && (count + c - 2) / (c - 1) == r { continue }   // same rows with fewer columns
            let w = width / Double(c), h = height / Double(r) - strip
            guard w > 0, h > 0 else { continue }
            let score = abs(log(w / h)) + 0.15 * Double(r * c - count) / Double(count)
            if score < bestScore { bestScore = score; best = c }
        }
        return best
    }

    // MARK: drawing

    func drawGrid(into doc: inout SVGDocument, xs: LinearScale, ys: LinearScale, xTicks: AxisTicks, yTicks: AxisTicks) {
        guard let color = theme.gridColor else { return }
        let x0 = min(xs.pixelStart, xs.pixelEnd), x1 = max(xs.pixelStart, xs.pixelEnd)
        let y0 = min(ys.pixelStart, ys.pixelEnd), y1 = max(ys.pixelStart, ys.pixelEnd)
        if xTicks.showTickMarks {
            for v in xTicks.values { let p = xs.pixel(v); doc.line(x1: p, y1: y0, x2: p, y2: y1, stroke: color, strokeWidth: 0.8, role: "grid") }
        }
        if yTicks.showTickMarks {
            for v in yTicks.values { let p = ys.pixel(v); doc.line(x1: x0, y1: p, x2: x1, y2: p, stroke: color, strokeWidth: 0.8, role: "grid") }
        }
    }

    func drawXAxis(into doc: inout SVGDocument, scale: LinearScale, ticks: AxisTicks, y: Double, bounds: ClosedRange<Double>) {
        let t = theme
        let positions = ticks.values.map { scale.pixel($0) }
        if ticks.showTickMarks {
            for p in positions { doc.line(x1: p, y1: y, x2: p, y2: y + t.tickLength, stroke: t.frameColor, strokeWidth: 0.8, role: "tick") }
        }
        guard ticks.showLabels else { return }
        let widths = ticks.labels.map { estimatedTextWidth($0, size: ticks.labelSize) }
        let keep = nonOverlappingLabels(centres: positions, extents: widths, gap: 0.6 * ticks.labelSize, bounds: bounds)
        for i in keep {
            doc.text(ticks.labels[i], x: positions[i], y: y + t.tickLength + 2 + ticks.labelSize * 0.8, size: ticks.labelSize,
                     anchor: .middle, role: "tick-label x")
        }
    }

    func drawYAxis(into doc: inout SVGDocument, scale: LinearScale, ticks: AxisTicks, x: Double, bounds: ClosedRange<Double>) {
        let t = theme
        let positions = ticks.values.map { scale.pixel($0) }
        if ticks.showTickMarks {
            for p in positions { doc.line(x1: x - t.tickLength, y1: p, x2: x, y2: p, stroke: t.frameColor, strokeWidth: 0.8, role: "tick") }
        }
        guard ticks.showLabels else { return }
        let heights = ticks.labels.map { _ in ticks.labelSize * 0.9 }
        let keep = nonOverlappingLabels(centres: positions, extents: heights, gap: ticks.labelSize * 0.2, bounds: bounds)
        for i in keep {
            doc.text(ticks.labels[i], x: x - t.tickLength - 3, y: positions[i], size: ticks.labelSize, anchor: .end,
                     centredVertically: true, role: "tick-label y")
        }
    }

    func draw(_ mark: PlotMark, into doc: inout SVGDocument, xs: LinearScale, ys: LinearScale) {
        let s = mark.style
        switch mark.shape {
        case .points(let x, let y):
            for (a, b) in zip(x, y) where a.isFinite && b.isFinite {
                doc.circle(cx: xs.pixel(a), cy: ys.pixel(b), r: s.pointRadius, fill: s.filled ? s.color : nil,
                           stroke: s.color, strokeWidth: s.lineWidth, role: mark.role)
            }
        case .polyline(let x, let y):
            var piece = [(x: Double, y: Double)]()
            for (a, b) in zip(x, y) {
                if a.isFinite && b.isFinite {
                    piece.append((xs.pixel(a), ys.pixel(b)))
                } else {
                    doc.polyline(piece, stroke: s.color, strokeWidth: s.lineWidth, dash: s.dash, role: mark.role)
                    piece.removeAll()
                }
            }
            doc.polyline(piece, stroke: s.color, strokeWidth: s.lineWidth, dash: s.dash, role: mark.role)
        case .segments(let x0, let y0, let x1, let y1):
            for i in 0..<min(x0.count, y0.count, x1.count, y1.count) where x0[i].isFinite && y0[i].isFinite && x1[i].isFinite && y1[i].isFinite {
                doc.line(x1: xs.pixel(x0[i]), y1: ys.pixel(y0[i]), x2: xs.pixel(x1[i]), y2: ys.pixel(y1[i]),
                         stroke: s.color, strokeWidth: s.lineWidth, dash: s.dash, role: mark.role)
            }
        case .horizontalLine(let y):
            guard y.isFinite else { return }
            doc.line(x1: xs.pixelStart, y1: ys.pixel(y), x2: xs.pixelEnd, y2: ys.pixel(y), stroke: s.color,
                     strokeWidth: s.lineWidth, dash: s.dash, role: mark.role)
        case .verticalLine(let x):
            guard x.isFinite else { return }
            doc.line(x1: xs.pixel(x), y1: ys.pixelStart, x2: xs.pixel(x), y2: ys.pixelEnd, stroke: s.color,
                     strokeWidth: s.lineWidth, dash: s.dash, role: mark.role)
        case .straightLine(let a, let b):
            guard a.isFinite && b.isFinite else { return }
            let lo = xs.domain.lowerBound, hi = xs.domain.upperBound
            doc.line(x1: xs.pixel(lo), y1: ys.pixel(a + b * lo), x2: xs.pixel(hi), y2: ys.pixel(a + b * hi),
                     stroke: s.color, strokeWidth: s.lineWidth, dash: s.dash, role: mark.role)
        }
    }
}
