import Testing
import Foundation

/// The worked examples of examples/ (examples.json) run through the `lmm` tool, and their numbers
/// agree with the lme4 references: objective, fixed effects, standard errors and θ.
@Suite struct ExamplesTests {
    struct Example: Sendable, CustomStringConvertible {
        var name: String, data: String, formula: String, flags: [String], reference: String
        var description: String { name }
    }

    static let examples: [Example] = {
        let url = LMMExecutable.repositoryRoot.appendingPathComponent("examples/examples.json")
        guard let data = try? Data(contentsOf: url),
              let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return [] }
        return list.map { Example(name: $0["name"] as! String, data: $0["data"] as! String, formula: $0["formula"] as! String,
                                  flags: $0["flags"] as! [String], reference: $0["reference"] as! String) }
    }()

    @Test func examplesAreListed() { #expect(Self.examples.count == 7) }

    @Test(arguments: examples)
    func exampleMatchesLme4(example: Example) throws {
        try #require(LMMExecutable.path != nil, "the lmm executable was not built with the tests")
        let run = try LMMExecutable.run(["fit", "examples/data/" + example.data, example.formula] + example.flags + ["--format", "json"])
        #expect(run.status == 0, "\(example.name): \(run.stderr)")
        let ours = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let ref = try Fixtures.fit(example.reference)
        let glmm = (ref["family"] as! String) != "gaussian"
        let objective = ours["objective"] as! Double, refObjective = ref["objective"] as! Double
        #expect(objective <= refObjective + (glmm ? 1e-5 : 1e-6) * abs(refObjective), "\(example.name) objective")
        let tol = glmm ? 1e-3 : 1e-4
        let fixef = ours["fixef"] as! [String: Double], se = ours["se"] as! [String: Double]
        for (k, v) in ref["fixef"] as! [String: Double] {
            #expect(close(fixef[k] ?? .nan, v, rel: tol, abs: 1e-8), "\(example.name) fixef \(k)")
            #expect(close(se[k] ?? .nan, (ref["se"] as! [String: Double])[k]!, rel: tol), "\(example.name) se \(k)")
        }
        let theta = ours["theta"] as! [String: Double]
        for (k, v) in ref["theta"] as! [String: Double] {
            #expect(close(theta[k] ?? .nan, v, rel: 1e-3, abs: 2e-3), "\(example.name) theta \(k)")
        }
        // the example's text output is what examples/<name>.md shows
        let text = try LMMExecutable.run(["fit", "examples/data/" + example.data, example.formula] + example.flags)
        #expect(text.status == 0)
        let page = try String(contentsOf: LMMExecutable.repositoryRoot.appendingPathComponent("examples/\(example.name).md"), encoding: .utf8)
        let fixedHeader = text.stdout.split(separator: "\n").first { $0.contains("Estimate") }.map(String.init) ?? "?"
        #expect(page.contains(fixedHeader), "\(example.name).md is out of date: rerun examples/generate.py")
    }
}
