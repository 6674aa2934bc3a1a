import Testing
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import SparseLMM

/// The elements of an SVG document, as Foundation's XMLParser reads them.
final class SVGElements: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text = ""
        var classes: [String] { (attributes["class"] ?? "").split(separator: " ").map(String.init) }
        func number(_ key: String) -> Double? { attributes[key].flatMap(Double.init) }
    }
    var elements = [Element]()
    private var open = [Int]()
    var error: Error?

    /// Parses `svg`; nil when it is not well-formed XML.
    static func parse(_ svg: String) -> SVGElements? {
        let collector = SVGElements()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        guard parser.parse(), collector.error == nil else { return nil }
        return collector
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append(Element(name: name, attributes: attributes))
        open.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        open.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let i = open.last { elements[i].text += string }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) { error = parseError }

    /// Elements of a given name carrying a class.
    func all(_ name: String, role: String) -> [Element] {
        elements.filter { $0.name == name && $0.classes.contains(role) }
    }

    /// Texts of the `text` elements with a class.
    func texts(role: String) -> [String] { all("text", role: role).map { $0.text } }
}

/// A fitted sleepstudy model shared by the tests (fitted once).
enum SleepstudyModel {
    static let data: DataTable = try! Fixtures.table("sleepstudy.csv")
    static let design: MixedModelDesign = try! MixedModelDesign(
        formula: "Reaction ~ Days + (Days | Subject)", data: data, options: DataOptions(factorColumns: ["Subject"]))
    static let fit: MixedModelFit = try! LinearMixedModel(design: design).fit(conditionalVariances: .always)
}

@Suite struct PlotTests {
    // MARK: R's pretty()

    @Test(arguments: [
        (0.0, 97.0, [0.0, 20, 40, 60, 80, 100]),
        (-0.37, 2.1, [-0.5, 0, 0.5, 1, 1.5, 2, 2.5]),
        (0.001, 0.0123, [0, 0.002, 0.004, 0.006, 0.008, 0.010, 0.012, 0.014]),
        (-1, 1, [-1, -0.5, 0, 0.5, 1]),
        (5, 5, [0, 5]),
        (0, 0, [-1, 0]),
        (1e6, 3.2e6, [1e6, 1.5e6, 2e6, 2.5e6, 3e6, 3.5e6]),
        (-10.4, -3.1, [-12, -10, -8, -6, -4, -2]),
        (251.2, 262.9, [250, 252, 254, 256, 258, 260, 262, 264]),
        (0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1]),
    ])
    func prettyMatchesR(low: Double, high: Double, expected: [Double]) {
        let ticks = PrettyTicks(low: low, high: high).values
        #expect(ticks.count == expected.count, "pretty(c(\(low), \(high))) = \(ticks)")
        for (a, b) in zip(ticks, expected) { #expect(abs(a - b) <= 1e-12 * max(1, abs(b)), "pretty(c(\(low), \(high))) = \(ticks)") }
    }

    @Test func tickLabelsShareDecimals() {
        #expect(PrettyTicks(low: -1, high: 1).labels == ["\u{2212}1.0", "\u{2212}0.5", "0.0", "0.5", "1.0"])
        #expect(PrettyTicks(low: 0, high: 97).labels == ["0", "20", "40", "60", "80", "100"])
        #expect(PrettyTicks(low: 0.001, high: 0.0123).labels.first == "0.000")
    }

    @Test func scaleWidensRangeAndKeepsTicksInside() {
        let s = LinearScale(low: 0, high: 97, pixelStart: 0, pixelEnd: 100)
        #expect(abs(s.domain.lowerBound - (-3.88)) < 1e-12 && abs(s.domain.upperBound - 100.88) < 1e-12)
        #expect(s.ticks == [0, 20, 40, 60, 80, 100])
        #expect(abs(s.pixel(s.domain.upperBound) - 100) < 1e-12)
        let index = LinearScale(low: 1, high: 2, pixelStart: 0, pixelEnd: 100, integerTicks: true)
        #expect(index.ticks == [1, 2])
    }

    // MARK: statistics helpers

    @Test func lowessMatchesR() {
        let x = [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10], y = [2.0, 4, 3, 8, 5, 9, 12, 10, 15, 13]
        let r = [2.081992363156, 3.345720097024, 4.622458755016, 5.642058028814, 7.296560170617,
                 8.765826606439, 10.341769768517, 11.981551254153, 12.867237247353, 13.830472139103]
        let l = lowess(x: x, y: y)
        for (a, b) in zip(l.y, r) { #expect(abs(a - b) < 1e-9) }

        // unsorted x with ties
        let x2 = [3.1, 1.2, 5.5, 2.2, 2.2, 8.9, 7.1, 4.4, 6.0, 9.5, 0.3, 5.0]
        let y2 = [1.0, -2, 0.5, 3, 2.5, -1, 4, 0, 7, 2, 1.5, -3]
        let r2 = [0.785408603680, 1.077468196571, 1.188021167187, 1.188021167187, 1.018770998860, 0.367045175187,
                  0.658358094140, 1.456435982200, 1.981982748825, 1.585391186590, 1.454582807004, 1.302165724247]
        let l2 = lowess(x: x2, y: y2)
        #expect(l2.x == x2.sorted())
        for (a, b) in zip(l2.y, r2) { #expect(abs(a - b) < 1e-9) }
        let r3 = [1.5, -2, 2.75, 2.75, 1, 0, -3, 0.5, 7, 4, -1, 2]
        for (a, b) in zip(lowess(x: x2, y: y2, f: 0.3, iterations: 0).y, r3) { #expect(abs(a - b) < 1e-9) }
    }

    @Test func quantilesAndQQLine() {
        let p7 = plottingPositions(7)
        #expect(abs(p7[0] - 0.0862069) < 1e-7 && abs(p7[3] - 0.5) < 1e-12)
        #expect(abs(plottingPositions(12)[0] - 0.04166667) < 1e-8)
        let z = [3.2, -1.1, 0.4, 2.2, -0.5, 1.9, 0.0]
        #expect(abs(sampleQuantile(z, 0.25)! - (-0.25)) < 1e-12)
        #expect(abs(sampleQuantile(z, 0.75)! - 2.05) < 1e-12)
        let line = quartileLine(z)!
        #expect(abs(line.intercept - 0.9) < 1e-12)
        #expect(abs(line.slope - 2.3 / (2 * 0.6744897501960817)) < 1e-9)
    }

    // MARK: SVG writing

    @Test func numbersAndEscaping() {
        #expect(svgNumber(12) == "12")
        #expect(svgNumber(3.5) == "3.5")
        #expect(svgNumber(-0.254) == "-0.25")
        #expect(svgNumber(0.004) == "0")
        #expect(svgNumber(-0.001) == "0")
        #expect(svgNumber(7.05) == "7.05")
        #expect(svgNumber(.nan) == "0")
        #expect(escapeXML("a < b & \"c\" > 'd'") == "a &lt; b &amp; &quot;c&quot; &gt; &apos;d&apos;")
        #expect(escapeXML("x\u{01}y") == "xy")
    }

    @Test func figureWithAwkwardTextIsWellFormed() throws {
        let panel = PlotPanel(title: "a < b & \"c\"", marks: [.points(x: [1, 2, 3], y: [3, 1, 2])])
        let figure = PlotFigure(title: "T & <title>", subtitle: "-- comment --", grids: [PanelGrid(xLabel: "x'", yLabel: "y>", panels: [panel])])
        let svg = try #require(SVGElements.parse(figure.svg()))
        #expect(svg.texts(role: "strip-label") == ["a < b & \"c\""])
        #expect(svg.texts(role: "title") == ["T & <title>"])
        #expect(svg.all("circle", role: "point").count == 3)
        #expect(svg.elements.first?.name == "svg")
        #expect(svg.elements.first?.attributes["width"] == "640")
        #expect(!figure.svg().contains("font-face") && !figure.svg().contains("<style"))
    }

    @Test func crowdedLabelsAreThinned() {
        let centres = (0..<20).map { Double($0) * 10 }
        let keep = nonOverlappingLabels(centres: centres, extents: centres.map { _ in 15 }, gap: 2, bounds: -100...300)
        #expect(keep.count >= 5 && keep.count < 20)
        for (a, b) in zip(keep, keep.dropFirst()) { #expect(centres[b] - centres[a] >= 17) }
        // labels sticking out of the bounds are dropped
        #expect(nonOverlappingLabels(centres: [0, 50, 100], extents: [20, 20, 20], gap: 2, bounds: 0...100) == [1])
    }

    /// No two tick labels of one axis overlap, by the same width estimate the layout uses.
    func expectNoOverlappingTickLabels(_ svg: SVGElements, size: Double = PlotTheme().tickLabelSize) {
        let xs = svg.all("text", role: "x").compactMap { e -> (Double, Double, Double)? in
            guard let x = e.number("x"), let y = e.number("y") else { return nil }
            return (x, y, estimatedTextWidth(e.text, size: e.number("font-size") ?? size))
        }
        for (i, a) in xs.enumerated() {
            for b in xs[(i + 1)...] where abs(a.1 - b.1) < 1 {
                #expect(abs(a.0 - b.0) >= (a.2 + b.2) / 2, "x labels at \(a.0) and \(b.0) overlap")
            }
        }
        let ys = svg.all("text", role: "y").compactMap { e -> (Double, Double, Double)? in
            guard let x = e.number("x"), let y = e.number("y") else { return nil }
            return (x, y, e.number("font-size") ?? size)
        }
        for (i, a) in ys.enumerated() {
            for b in ys[(i + 1)...] where abs(a.0 - b.0) < 1 {
                #expect(abs(a.1 - b.1) >= 0.9 * min(a.2, b.2), "y labels at \(a.1) and \(b.1) overlap")
            }
        }
    }

    // MARK: the plots of a fitted model

    @Test func residualPlotHasOnePointPerObservation() throws {
        let plot = try ResidualsVersusFittedPlot(fit: SleepstudyModel.fit, design: SleepstudyModel.design)
        let svg = try #require(SVGElements.parse(plot.svg()))
        #expect(svg.all("circle", role: "point").count == 180)
        #expect(svg.all("polyline", role: "smooth").count == 1)
        #expect(svg.all("line", role: "reference").count == 1)
        #expect(svg.texts(role: "axis-title") == ["Fitted values", "Pearson residuals"])
        #expect(!svg.texts(role: "x").isEmpty && !svg.texts(role: "y").isEmpty)
        expectNoOverlappingTickLabels(svg)
    }

    @Test func residualPlotByGroup() throws {
        let panels = try ResidualsVersusFittedPlot(fit: SleepstudyModel.fit, design: SleepstudyModel.design, group: "Subject")
        #expect(panels.usesPanels)
        let svg = try #require(SVGElements.parse(panels.svg()))
        #expect(svg.all("rect", role: "strip").count == 18)
        #expect(svg.all("circle", role: "point").count == 180)
        expectNoOverlappingTickLabels(svg)
        let colours = try ResidualsVersusFittedPlot(fit: SleepstudyModel.fit, design: SleepstudyModel.design, group: "Subject",
                                                    display: .panels, smooth: false, maximumPanels: 4)
        let capped = try #require(SVGElements.parse(colours.svg()))
        #expect(capped.all("rect", role: "strip").count == 4)
        #expect(capped.all("circle", role: "point").count == 40)
        #expect(capped.texts(role: "subtitle").first?.contains("first 4 of 18") == true)
        #expect(throws: PlotError.tooManyGroupsForColours(group: "Subject", levels: 18, maximum: 8)) {
            try ResidualsVersusFittedPlot(fit: SleepstudyModel.fit, design: SleepstudyModel.design, group: "Subject", display: .colours)
        }
        #expect(throws: PlotError.self) {
            try ResidualsVersusFittedPlot(fit: SleepstudyModel.fit, design: SleepstudyModel.design, group: "Nope")
        }
    }

    @Test func qqPlotHasResidualAndRandomEffectPanels() throws {
        let plot = try NormalQQPlot(fit: SleepstudyModel.fit, design: SleepstudyModel.design)
        #expect(plot.samples.map { $0.title } == ["Scaled residuals", "Subject: (Intercept)", "Subject: Days"])
        let svg = try #require(SVGElements.parse(plot.svg()))
        #expect(svg.all("circle", role: "point").count == 180 + 18 + 18)
        #expect(svg.all("line", role: "qqline").count == 3)
        #expect(svg.texts(role: "axis-title") == ["Standard normal quantiles", "Sample quantiles"])
        expectNoOverlappingTickLabels(svg)
        let thinned = try NormalQQPlot(fit: SleepstudyModel.fit, design: SleepstudyModel.design, group: "Subject", maximumPoints: 40)
        let ranks = thinned.drawnRanks(180)
        #expect(ranks.count <= 40 && ranks.first == 0 && ranks.last == 179 && ranks == ranks.sorted())
    }

    @Test func caterpillarOrdersLevelsByMode() throws {
        let plot = try CaterpillarPlot(fit: SleepstudyModel.fit)
        let block = try #require(plot.blocks.first)
        #expect(block.columns == ["(Intercept)", "Days"])
        let sortedModes = block.order.map { block.modes[0][$0] }
        #expect(sortedModes == sortedModes.sorted())
        #expect(Set(block.order) == Set(0..<18))
        let re = SleepstudyModel.fit.randomEffects[0]
        let l = block.order[0]
        #expect(abs(block.sds[1][l] - re.conditionalVariances![l * 4 + 3].squareRoot()) < 1e-15)

        let svg = try #require(SVGElements.parse(plot.svg()))
        #expect(svg.all("circle", role: "point").count == 36)
        #expect(svg.all("line", role: "interval").count == 36)
        // the level labels, read from the bottom of the plot up, follow the order of the modes
        let labels = svg.all("text", role: "y").sorted { $0.number("y")! > $1.number("y")! }.map { $0.text }
        #expect(labels == block.order.map { block.levels[$0] })
        // each interval is the mode ± 1.96 conditional SD: its centre is the point
        let points = svg.all("circle", role: "point"), intervals = svg.all("line", role: "interval")
        for (p, s) in zip(points, intervals) {
            #expect(abs((s.number("x1")! + s.number("x2")!) / 2 - p.number("cx")!) < 0.02)
            #expect(abs(s.number("y1")! - p.number("cy")!) < 0.02)
        }
        expectNoOverlappingTickLabels(svg)
    }

    @Test func caterpillarNeedsConditionalVariances() throws {
        let lmm = try LinearMixedModel(design: SleepstudyModel.design)
        let fit = try lmm.fit(conditionalVariances: .never)
        #expect(throws: PlotError.conditionalVariancesUnavailable(group: "Subject")) { try CaterpillarPlot(fit: fit) }
        #expect(throws: PlotError.unknownGroup("Days", available: ["Subject"])) { try CaterpillarPlot(fit: SleepstudyModel.fit, group: "Days") }
    }

    @Test func caterpillarDropsLabelsForManyLevels() throws {
        let data = try Fixtures.table("grouseticks.csv")
        let design = try MixedModelDesign(formula: "TICKS ~ YEAR + (1 | BROOD) + (1 | LOCATION)", data: data,
                                          options: DataOptions(factorColumns: ["YEAR", "BROOD", "LOCATION"]))
        let fit = try LinearMixedModel(design: design).fit(conditionalVariances: .always)
        let plot = try CaterpillarPlot(fit: fit, group: "BROOD")
        let svg = try #require(SVGElements.parse(plot.svg()))
        #expect(plot.blocks[0].levels.count > 60)
        #expect(svg.all("circle", role: "point").count == plot.blocks[0].levels.count)
        #expect(svg.texts(role: "y").isEmpty)
    }

    @Test func fittedByGroupDrawsObservationsAndLines() throws {
        let plot = try FittedByGroupPlot(fit: SleepstudyModel.fit, design: SleepstudyModel.design, data: SleepstudyModel.data, x: "Days")
        let svg = try #require(SVGElements.parse(plot.svg()))
        #expect(svg.all("circle", role: "point").count == 180)
        #expect(svg.all("polyline", role: "fit").count == 18)
        #expect(svg.all("polyline", role: "population-fit").count == 18)
        #expect(svg.texts(role: "axis-title") == ["Days", "Reaction"])
        #expect(svg.texts(role: "x") .contains("4"))
        expectNoOverlappingTickLabels(svg)
        // population fit: β0 + β1 Days
        let b = SleepstudyModel.fit.fixedEffects
        #expect(abs(plot.populationFitted[5] - (b[0] + b[1] * plot.x[5])) < 1e-9)

        let capped = try FittedByGroupPlot(fit: SleepstudyModel.fit, design: SleepstudyModel.design, maximumPanels: 5)
        #expect(capped.xIsIndex)
        #expect(try #require(SVGElements.parse(capped.svg())).all("circle", role: "point").count == 50)

        #expect(throws: PlotError.nonNumericColumn("Subject")) {
            try FittedByGroupPlot(fit: SleepstudyModel.fit, design: SleepstudyModel.design, data: SleepstudyModel.data, x: "Subject")
        }
        #expect(throws: PlotError.unknownColumn("Dayz", suggestions: ["Days"])) {
            try FittedByGroupPlot(fit: SleepstudyModel.fit, design: SleepstudyModel.design, data: SleepstudyModel.data, x: "Dayz")
        }
        #expect(throws: PlotError.dataRequired("an x variable ('Days')")) {
            try FittedByGroupPlot(fit: SleepstudyModel.fit, design: SleepstudyModel.design, x: "Days")
        }
    }

    @Test func everyKindIsDrawn() throws {
        for kind in DiagnosticPlotKind.allCases {
            #expect(kind.isAvailable)
            let plot = try makeDiagnosticPlot(kind, fit: SleepstudyModel.fit, design: SleepstudyModel.design, data: SleepstudyModel.data)
            #expect(SVGElements.parse(plot.svg(width: 500, height: 400)) != nil)
        }
    }

    @Test func smallFiguresKeepTickLabelsApart() throws {
        let plot = try FittedByGroupPlot(fit: SleepstudyModel.fit, design: SleepstudyModel.design, data: SleepstudyModel.data, x: "Days")
        let svg = try #require(SVGElements.parse(plot.svg(width: 320, height: 260)))
        expectNoOverlappingTickLabels(svg)
        let qq = try NormalQQPlot(fit: SleepstudyModel.fit, design: SleepstudyModel.design)
        expectNoOverlappingTickLabels(try #require(SVGElements.parse(qq.svg(width: 300, height: 200))))
    }

    @Test func requestsAreCheckedBeforeFitting() throws {
        let design = SleepstudyModel.design, data = SleepstudyModel.data
        try checkDiagnosticPlotRequest(.profile, design: design)
        #expect(throws: PlotError.self) { try checkDiagnosticPlotRequest(.profile, design: design, group: "Subject") }
        #expect(throws: PlotError.unknownGroup("Days", available: ["Subject"])) {
            try checkDiagnosticPlotRequest(.caterpillar, design: design, data: data, group: "Days")
        }
        #expect(throws: PlotError.invalidOption("an x variable applies only to the 'fitted' plot")) {
            try checkDiagnosticPlotRequest(.qq, design: design, data: data, x: "Days")
        }
        #expect(throws: PlotError.nonNumericColumn("Subject")) {
            try checkDiagnosticPlotRequest(.fitted, design: design, data: data, x: "Subject")
        }
        try checkDiagnosticPlotRequest(.fitted, design: design, data: data, group: "Subject", x: "Days")
        try checkDiagnosticPlotRequest(.residuals, design: design, data: data, group: "Subject")
    }

    @Test func groupingByADataColumnKeepsTheLevelOrder() throws {
        let data = try Fixtures.table("Orthodont.csv")
        let design = try MixedModelDesign(formula: "distance ~ age + Sex + (age | Subject)", data: data,
                                          options: DataOptions(levelOrders: ["Sex": ["Male", "Female"]]))
        let fit = try LinearMixedModel(design: design).fit()
        let grouping = try PlotGrouping(named: "Sex", design: design, data: data)
        #expect(grouping.levels == ["Male", "Female"])
        #expect(grouping.codes.count == 108 && grouping.codes.filter { $0 == 0 }.count == 64)
        let plot = try ResidualsVersusFittedPlot(fit: fit, design: design, data: data, group: "Sex")
        #expect(!plot.usesPanels)
        let svg = try #require(SVGElements.parse(plot.svg()))
        #expect(svg.texts(role: "legend-title") == ["Sex"])
        #expect(svg.texts(role: "legend-label") == ["Male", "Female", "lowess smooth"])
        #expect(svg.all("circle", role: "point").count == 108)
    }
}
