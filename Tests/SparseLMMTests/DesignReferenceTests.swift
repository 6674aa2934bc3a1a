import Testing
import Foundation
@testable import SparseLMM

/// The model structure of every reference fit (Gaussian and GLMM alike) as lme4 built it: fixed-effect
/// names in R's order, grouping factors and their level counts, θ names in lme4's term order, the
/// observations used and the rows dropped for missing values, and the columns dropped for rank deficiency.
@Suite struct DesignReferenceTests {
    static let ids: [String] = Fixtures.fitIDs

    @Test func everyReferenceIsCovered() {
        // 31 model fits ship with the project (the 4 likelihood-ratio files are not models)
        #expect(Self.ids.count == 31)
        #expect(!Self.ids.contains { $0.hasPrefix("lrt_") })
    }

    @Test(arguments: ids)
    func fixedEffectNamesInROrder(id: String) throws {
        let ref = try Fixtures.fit(id)
        let ordered = try OrderedJSON.fit(id)
        let design = try Fixtures.design(ref)
        let refNames = ordered["fixef"]!.keys
        #expect(Set(design.fixedEffectNames) == Set(refNames), "\(id)")
        #expect(design.fixedEffectNames == refNames, "\(id): order")
        #expect(design.p == refNames.count)
        #expect(design.X.count == design.nobs * design.p)
    }

    @Test(arguments: ids)
    func groupsAndObservations(id: String) throws {
        let ref = try Fixtures.fit(id)
        let design = try Fixtures.design(ref)
        let ngroups = ref["ngroups"] as! [String: Int]
        var ours = [String: Int]()
        for g in design.groupCounts { ours[g.name] = g.levels }
        #expect(ours == ngroups, "\(id)")
        #expect(design.nobs == ref["nobs"] as! Int, "\(id)")
        #expect(design.dataRows.count == design.nobs)
    }

    @Test(arguments: ids)
    func droppedAndOmitted(id: String) throws {
        let ref = try Fixtures.fit(id)
        let design = try Fixtures.design(ref)
        let dropped = ref["dropped_columns"] as? [String] ?? []
        #expect(design.droppedColumns == dropped, "\(id)")
        let omitted = (ref["na_omitted_rows"] as? [Int]) ?? []
        #expect(design.omittedRows.count == omitted.count, "\(id)")
        #expect(design.omittedRows == omitted, "\(id)")
        let table = try Fixtures.table(ref["dataset"] as! String)
        #expect(design.nobs + design.omittedRows.count == table.rowCount, "\(id)")
    }

    /// θ names follow lme4's term order (terms sorted by decreasing number of levels when needed,
    /// `(x || g)` pieces, `a/b` expanded), which fixes the meaning of every θ component.
    @Test(arguments: ids)
    func thetaNamesInLme4Order(id: String) throws {
        let ref = try Fixtures.fit(id)
        let ordered = try OrderedJSON.fit(id)
        let design = try Fixtures.design(ref)
        #expect(design.thetaNames == ordered["theta"]!.keys, "\(id)")
        #expect(design.thetaCount == design.thetaNames.count)
    }

    /// The levels of each grouping factor are exactly the levels lme4 reports conditional modes for.
    @Test(arguments: ids)
    func groupingLevelsMatchRanefLevels(id: String) throws {
        let ref = try Fixtures.fit(id)
        let design = try Fixtures.design(ref)
        let ranef = ref["ranef"] as? [String: [String: Any]] ?? [:]
        #expect(!ranef.isEmpty, "\(id)")
        for (group, levels) in ranef {
            let terms = design.terms.filter { $0.factor.name == group }
            #expect(terms.count == 1, "\(id): one merged term for \(group)")
            guard let term = terms.first else { continue }
            #expect(Set(term.factor.levels) == Set(levels.keys), "\(id): levels of \(group)")
            #expect(term.factor.codes.count == design.nobs)
            // the random-effects columns of the term are lme4's (ranef's inner keys)
            if let anyLevel = levels.values.first as? [String: Any] {
                #expect(Set(term.columnNames) == Set(anyLevel.keys), "\(id): columns of \(group)")
            }
        }
    }

    /// The response is built for every kind of reference response: numeric, `cbind(...)`, a factor.
    @Test(arguments: ids)
    func responseKind(id: String) throws {
        let ref = try Fixtures.fit(id)
        let design = try Fixtures.design(ref)
        let formula = ref["formula"] as! String
        switch design.response {
        case .counts(let s, let f):
            #expect(formula.hasPrefix("cbind("), "\(id)")
            #expect(s.count == design.nobs && f.count == design.nobs)
            #expect(zip(s, f).allSatisfy { $0 >= 0 && $1 >= 0 })
        case .factor(let codes, let levels):
            #expect(ref["family"] as? String == "binomial", "\(id)")
            #expect(levels == ["N", "Y"], "\(id)")
            #expect(codes.count == design.nobs)
        case .numeric(let y):
            #expect(!formula.hasPrefix("cbind("), "\(id)")
            #expect(y.count == design.nobs)
            #expect(y.allSatisfy { $0.isFinite })
        }
        if let w = ref["weights_column"] as? String {
            #expect(design.weights?.count == design.nobs, "\(id): weights \(w)")
        } else {
            #expect(design.weights == nil, "\(id)")
        }
        if ref["offset_column"] is String {
            #expect(design.offset?.count == design.nobs, "\(id)")
        } else {
            #expect(design.offset == nil, "\(id)")
        }
    }

    /// Spot checks of the design's contents (not just its shape).
    @Test func cbppOffsetAndWeightsValues() throws {
        let ref = try Fixtures.fit("cbpp_pois_offset_laplace")
        let design = try Fixtures.design(ref)
        let table = try Fixtures.table("cbpp.csv")
        guard case .numeric(let size) = table.column("size")!, case .numeric(let logSize) = table.column("log_size")! else {
            Issue.record("cbpp columns are numeric"); return
        }
        #expect(design.offset == logSize)
        for (a, b) in zip(logSize, size) { #expect(close(a, log(b), rel: 1e-12, abs: 1e-12)) }
        let wref = try Fixtures.fit("cbpp_binom_weights_laplace")
        let wd = try Fixtures.design(wref)
        #expect(wd.weights == size)
        // the period2 column is the indicator of period == 2
        let j = wd.fixedEffectNames.firstIndex(of: "period2")!
        // (period is stored as numbers; --factor period makes it a factor)
        guard case .numeric(let period) = table.column("period")! else { Issue.record("period is read as numbers"); return }
        #expect(wd.options.factorColumns.contains("period"))
        for i in 0..<wd.nobs {
            #expect(wd.X[i + j * wd.nobs] == (period[i] == 2 ? 1 : 0))
        }
    }

    @Test func cbindResponseValues() throws {
        let design = try Fixtures.design(try Fixtures.fit("cbpp_binom_laplace"))
        let table = try Fixtures.table("cbpp.csv")
        guard case .numeric(let inc) = table.column("incidence")!, case .numeric(let size) = table.column("size")!,
              case .counts(let s, let f) = design.response else { Issue.record("unexpected column types"); return }
        #expect(s == inc)
        #expect(f == zip(size, inc).map { $0 - $1 })
    }
}
