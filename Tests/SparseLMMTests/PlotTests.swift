import Testing
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import SparseLMM
import GLMM

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

/// The cbpp binomial GLMM (lme4's `glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), cbpp, binomial)`), fitted once.
enum CbppModel {
    static let data: DataTable = try! Fixtures.table("cbpp.csv")
    static let design: MixedModelDesign = try! MixedModelDesign(
        formula: "cbind(incidence, size - incidence) ~ period + (1 | herd)", data: data,
        options: DataOptions(factorColumns: ["herd", "period"]))
    static let fit: MixedModelFit = try! GeneralizedLinearMixedModel(design: design, family: .binomial).fit()
}

@Suite struct GLMMPlotTests {
    let fit = CbppModel.fit, design = CbppModel.design, data = CbppModel.data

    @Test func residualsAgainstTheLinearPredictor() throws {
        let plot = try ResidualsVersusFittedPlot(fit: fit, design: design)
        #expect(plot.fitted == fit.linearPredictor)
        let svg = try #require(SVGElements.parse(plot.svg()))
        #expect(svg.all("circle", role: "point").count == 56)
        #expect(svg.texts(role: "axis-title") == ["Linear predictor (logit scale)", "Pearson residuals"])
        #expect(svg.texts(role: "title") == ["Residuals vs linear predictor"])
        #expect(!svg.texts(role: "x").isEmpty && !svg.texts(role: "y").isEmpty)
        let response = try ResidualsVersusFittedPlot(fit: fit, design: design, residuals: .deviance, against: .response)
        let r = try #require(SVGElements.parse(response.svg()))
        #expect(r.texts(role: "axis-title") == ["Fitted mean (response scale)", "Deviance residuals"])
        #expect(response.fitted == fit.fitted && response.residuals == fit.devianceResiduals)
    }

    @Test func qqShowsDevianceResidualsAndTheHerdEffects() throws {
        let plot = try makeDiagnosticPlot(.qq, fit: fit, design: design, family: .binomial)
        let qq = try #require(plot as? NormalQQPlot)
        #expect(qq.samples.map { $0.title } == ["Deviance residuals", "herd: (Intercept)"])
        let svg = try #require(SVGElements.parse(plot.svg()))
        #expect(svg.all("circle", role: "point").count == 56 + 15)
        #expect(svg.texts(role: "axis-title") == ["Standard normal quantiles", "Sample quantiles"])
    }

    @Test func caterpillarHasOneMarkPerHerd() throws {
        let plot = try makeDiagnosticPlot(.caterpillar, fit: fit, design: design, family: .binomial)
        let svg = try #require(SVGElements.parse(plot.svg()))
        #expect(svg.all("circle", role: "point").count == 15)
        #expect(svg.all("line", role: "interval").count == 15)
        #expect(Set(svg.texts(role: "y")) == Set((1...15).map(String.init)))
        #expect(svg.texts(role: "axis-title") == ["Conditional mode ± 1.96 conditional SD"])
    }

    @Test func fittedByGroupOnTheResponseScale() throws {
        // without the inverse link the library cannot draw the fixed-effects line of a logit model
        #expect(throws: PlotError.self) { try FittedByGroupPlot(fit: fit, design: design, data: data) }
        let plot = try makeDiagnosticPlot(.fitted, fit: fit, design: design, family: .binomial, data: data)
        let fitted = try #require(plot as? FittedByGroupPlot)
        #expect(fitted.isGeneralized)
        // the fixed-effects line is the inverse logit of X β̂, the observed values proportions
        let b = fit.fixedEffects
        #expect(abs(fitted.populationFitted[0] - 1 / (1 + exp(-b[0]))) < 1e-12)
        #expect(fitted.observed.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(fitted.fitted == fit.fitted)
        let svg = try #require(SVGElements.parse(plot.svg()))
        #expect(svg.all("circle", role: "point").count == 56)
        #expect(svg.all("rect", role: "strip").count == 15)
        #expect(svg.texts(role: "axis-title") == ["Observation within herd", "incidence (proportion)"])
    }

    @Test func profileOnTheLaplaceDeviance() throws {
        #expect(throws: PlotError.self) {
            try SparseLMM.makeDiagnosticPlot(.profile, fit: fit, design: design)
        }
        let plot = try makeDiagnosticPlot(.profile, fit: fit, design: design, family: .binomial)
        let profile = try #require(plot as? ProfileZetaPlot)
        #expect(profile.profile.profiles.map { $0.name } == [".sig01", "(Intercept)", "period2", "period3", "period4"])
        #expect(profile.note?.contains("Laplace deviance") == true)
        let svg = try #require(SVGElements.parse(plot.svg()))
        #expect(svg.all("polyline", role: "zeta").count == 5)
        #expect(svg.all("line", role: "wald").count == 4)
        #expect(svg.texts(role: "axis-title") == ["ζ"])
    }

    /// The largest caterpillar of the examples: 403 levels of INDEX in the grouseticks Poisson model.
    @Test func denseCaterpillarKeepsItsEndPointsInsideThePanel() throws {
        let data = try Fixtures.table("grouseticks.csv")
        let design = try MixedModelDesign(formula: "TICKS ~ YEAR + cHEIGHT + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION)", data: data,
                                          options: DataOptions(factorColumns: ["YEAR", "INDEX", "BROOD", "LOCATION"]))
        let fit = try GeneralizedLinearMixedModel(design: design, family: .poisson).fit()
        let plot = try CaterpillarPlot(fit: fit, group: "INDEX")
        let svg = try #require(SVGElements.parse(plot.svg()))
        let points = svg.all("circle", role: "point")
        #expect(points.count == 403)
        let border = try #require(svg.all("rect", role: "panel-border").first)
        let top = try #require(border.number("y")), bottom = top + (border.number("height") ?? 0)
        for p in points {
            let cy = try #require(p.number("cy")), r = p.number("r") ?? 0
            #expect(cy - r >= top + 1 && cy + r <= bottom - 1, "a point at \(cy) touches the panel's edge")
        }
    }

    /// A label at the right edge of the last panel of a row is drawn when the margin has room.
    @Test func edgeTickLabelsAreKeptWhenThereIsRoom() throws {
        let plot = try FittedByGroupPlot(fit: SleepstudyModel.fit, design: SleepstudyModel.design)
        let svg = try #require(SVGElements.parse(plot.svg()))
        #expect(svg.texts(role: "x").contains("10"))
        let orthodont = try Fixtures.table("Orthodont.csv")
        let design = try MixedModelDesign(formula: "distance ~ age + Sex + (age | Subject)", data: orthodont)
        let fit = try LinearMixedModel(design: design).fit()
        let panels = try FittedByGroupPlot(fit: fit, design: design, data: orthodont, x: "age")
        let o = try #require(SVGElements.parse(panels.svg()))
        #expect(o.texts(role: "x").contains("14"))
        PlotTests().expectNoOverlappingTickLabels(o)
        PlotTests().expectNoOverlappingTickLabels(svg)
    }
}

/// `lmm plot` with a family and with PNG output.
@Suite(.serialized) struct PlotCommandTests {
    static let cbpp = ["examples/data/cbpp.csv", "cbind(incidence, size - incidence) ~ period + (1 | herd)",
                       "--family", "binomial", "--factor", "herd", "--factor", "period"]

    func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("lmm-plot-\(getpid())-\(name)").path
    }

    @Test(arguments: ["residuals", "qq", "caterpillar", "fitted"])
    func glmmPlotsFromTheCommandLine(kind: String) throws {
        guard LMMExecutable.path != nil else { return }
        let output = temporaryPath("\(kind).svg")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let run = try LMMExecutable.run(["plot"] + Self.cbpp + ["--kind", kind, "--output", output])
        #expect(run.status == 0, "\(run.stderr)")
        let text = try String(contentsOfFile: output, encoding: .utf8)
        let svg = try #require(SVGElements.parse(text))
        #expect(!svg.texts(role: "axis-title").isEmpty)
    }

    @Test func pngNeedsRsvgConvert() throws {
        guard LMMExecutable.path != nil else { return }
        let output = temporaryPath("nopath.png")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("lmm-empty-path-\(getpid())").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let run = try LMMExecutable.run(["plot"] + Self.cbpp + ["--kind", "qq", "--output", output], environment: ["PATH": empty])
        #expect(run.status == 1)
        #expect(run.stderr.contains("librsvg2-bin") && run.stderr.contains(".svg"))
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test func pngIsConvertedWhenRsvgConvertIsInstalled() throws {
        guard LMMExecutable.path != nil else { return }
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        guard paths.contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/rsvg-convert") }) else { return }
        let output = temporaryPath("qq.png")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let run = try LMMExecutable.run(["plot"] + Self.cbpp + ["--kind", "qq", "--output", output])
        #expect(run.status == 0, "\(run.stderr)")
        let bytes = try #require(FileManager.default.contents(atPath: output))
        #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path)
            .filter { $0.hasPrefix("lmm-plot-\(getpid())-qq.png.") }
        #expect(leftovers.isEmpty)
    }
}
