import Testing
import Foundation
import SparseLMM

/// The `lmm` tool's contract (docs/cli.md) run through the built executable and checked against
/// R: `anova` (text and JSON, `--no-refit`, `--boundary`) against fits/lrt_*.json, `drop1` against
/// lme4's drop1, `fit --ddf` against lmerTest/pbkrtest, `fit --confint` against lme4's confint,
/// `predict` against lme4's predict, and the documented exit statuses. R's numbers that the fit
/// fixtures do not carry are in extra/cli_reference.json (scripts/cli_reference.R).
@Suite struct CLIContractTests {
    static let available = LMMExecutable.path != nil

    nonisolated(unsafe) static let reference: [String: Any] = {
        let data = try! Data(contentsOf: URL(fileURLWithPath: Fixtures.root + "/extra/cli_reference.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static let data = "Tests/Fixtures/data/"
    static let extra = "Tests/Fixtures/extra/"

    /// The CLI options that give a reference fit's data options (--factor, --levels, --weights, --offset).
    static func dataArguments(_ ref: [String: Any]) -> [String] {
        let o = Fixtures.options(for: ref)
        var args = [String]()
        for f in o.factorColumns { args += ["--factor", f] }
        for (col, levels) in o.levelOrders.sorted(by: { $0.key < $1.key }) { args += ["--levels", "\(col)=" + levels.joined(separator: ",")] }
        if let w = o.weightsColumn { args += ["--weights", w] }
        if let off = o.offsetColumn { args += ["--offset", off] }
        return args
    }

    /// `fit`-style arguments reproducing a reference fit: data, formula, data options, family.
    static func modelArguments(_ ref: [String: Any]) -> [String] {
        var args = [data + (ref["dataset"] as! String), ref["formula"] as! String] + dataArguments(ref)
        let family = ref["family"] as! String
        if family != "gaussian" { args += ["--family", family == "negative_binomial" ? "negative-binomial" : family] }
        return args
    }

    static func json(_ run: LMMExecutable.Run) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
    }

    static func object(_ run: LMMExecutable.Run) throws -> [String: Any] {
        try #require(try json(run) as? [String: Any], "not a JSON object: \(run.stdout.prefix(200)) \(run.stderr)")
    }

    /// The whitespace-separated fields of the first line of `text` that starts with `label` and a space.
    static func row(_ text: String, _ label: String) -> [String]? {
        text.split(separator: "\n").first { $0.hasPrefix(label + " ") }
            .map { $0.split(separator: " ").map(String.init) }
    }

    /// The fields of R's printed line for `label` (R's signif stars and quotes as they are).
    static func rRow(_ lines: [String], _ label: String) -> [String]? {
        lines.first { $0.hasPrefix(label + " ") }.map { $0.split(separator: " ").map(String.init) }
    }

    // MARK: anova

    static let lrtIDs = ["lrt_sleepstudy_ri_vs_corr", "lrt_sleepstudy_uncorr_vs_corr", "lrt_orthodont_add_vs_int", "lrt_cbpp_period"]

    @Test(.enabled(if: available), arguments: lrtIDs)
    func anovaJSONMatchesLme4(id: String) throws {
        let lrt = try Fixtures.fit(id)
        let m0 = try Fixtures.fit(lrt["model0"] as! String), m1 = try Fixtures.fit(lrt["model1"] as! String)
        // the data options of both models (the second may name factors the first does not use)
        var options = [[String]]()
        for pair in Self.dataArguments(m0).chunked() + Self.dataArguments(m1).chunked() where !options.contains(pair) { options.append(pair) }
        var args = ["anova", Self.data + (m0["dataset"] as! String), m0["formula"] as! String, m1["formula"] as! String] + options.flatMap { $0 }
        if (m1["family"] as! String) != "gaussian" { args += ["--family", m1["family"] as! String] }
        let run = try LMMExecutable.run(args + ["--format", "json"])
        #expect(run.status == 0, "\(id): \(run.stderr)")
        let ours = try Self.object(run)
        let glmm = (m1["family"] as! String) != "gaussian"
        // lme4's GLMM optimum is accurate to about 1e-4 in the deviance
        let chisqTol = glmm ? 2e-3 : 1e-4
        #expect(abs(jsonNumber(ours["Chisq"])! - (lrt["Chisq"] as! Double)) <= chisqTol * max(1, lrt["Chisq"] as! Double), "\(id) Chisq \(ours["Chisq"]!)")
        #expect(ours["Df"] as? Int == lrt["Df"] as? Int, "\(id) Df")
        #expect(close(jsonNumber(ours["p"])!, lrt["p"] as! Double, rel: glmm ? 1e-2 : 1e-3), "\(id) p \(ours["p"]!) vs \(lrt["p"]!)")
        if !glmm { #expect(ours["refit_REML"] as? Bool == true, "\(id): linear models are refitted by ML") }
        let models = try #require(ours["models"] as? [[String: Any]])
        let refModels = lrt["models"] as! [[String: Any]]
        #expect(models.count == 2)
        for (o, r) in zip(models, refModels) {
            #expect(o["npar"] as? Int == r["npar"] as? Int, "\(id) npar")
            for key in ["AIC", "BIC", "logLik", "deviance"] {
                let value = jsonNumber(o[key])!, expected = r[key] as! Double
                #expect(close(value, expected, rel: glmm ? 0 : 1e-6, abs: glmm ? 2e-3 : 0), "\(id) \(r["model"]!) \(key) \(value) vs \(expected)")
            }
        }
    }

    @Test(.enabled(if: available)) func anovaTextIsLme4sTable() throws {
        // R: print(anova(m0, m1)) of the sleepstudy models, line by line
        let r = Self.reference["lrt_boundary"] as! [String: Any]
        let rLines = r["print"] as! [String]
        let run = try LMMExecutable.run(["anova", Self.data + "sleepstudy.csv", "Reaction ~ Days + (1 | Subject)",
                                         "Reaction ~ Days + (Days | Subject)", "--factor", "Subject"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("m0: Reaction ~ Days + (1 | Subject)"))
        #expect(run.stdout.contains("m1: Reaction ~ Days + (Days | Subject)"))
        let header = try #require(run.stdout.split(separator: "\n").first { $0.contains("npar") })
        #expect(header.split(separator: " ") == ["npar", "AIC", "BIC", "logLik", "deviance", "Chisq", "Df", "Pr(>Chisq)"])
        for label in ["m0", "m1"] {
            #expect(Self.row(run.stdout, label) == Self.rRow(rLines, label), "row \(label): ours \(Self.row(run.stdout, label) ?? []) R \(Self.rRow(rLines, label) ?? [])")
        }
        #expect(!run.stdout.contains("boundary"))
    }

    @Test(.enabled(if: available)) func anovaWithoutRefitComparesTheREMLCriteria() throws {
        // R: anova(m0, m1, refit = FALSE) on the REML fits
        let r = Self.reference["lrt_no_refit"] as! [String: Any]
        let args = ["anova", Self.data + "sleepstudy.csv", "Reaction ~ Days + (1 | Subject)", "Reaction ~ Days + (Days | Subject)",
                    "--factor", "Subject", "--no-refit"]
        let run = try LMMExecutable.run(args + ["--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let ours = try Self.object(run)
        #expect(close(jsonNumber(ours["Chisq"])!, r["Chisq"] as! Double, rel: 1e-5), "Chisq \(ours["Chisq"]!)")
        #expect(ours["Df"] as? Int == 2)
        #expect(close(jsonNumber(ours["p"])!, r["p"] as! Double, rel: 1e-3))
        #expect(ours["refit_REML"] as? Bool == false)
        let models = try #require(ours["models"] as? [[String: Any]])
        for (k, m) in models.enumerated() {
            #expect(close(jsonNumber(m["deviance"])!, (r["deviance"] as! [Double])[k], rel: 1e-7), "model \(k) REML criterion")
            #expect(close(jsonNumber(m["AIC"])!, (r["AIC"] as! [Double])[k], rel: 1e-7))
            #expect(m["npar"] as? Int == (r["npar"] as! [Int])[k])
        }
        // the REML criteria are those of the REML reference fits
        let reml0 = try Fixtures.fit("sleepstudy_ri_reml")["objective"] as! Double
        #expect(close(jsonNumber(models[0]["deviance"])!, reml0, rel: 1e-7))
        let text = try LMMExecutable.run(args)
        #expect(text.status == 0)
        #expect(text.stdout.contains("REML criterion"), "the text says the models were compared without refitting")
        #expect(Self.row(text.stdout, "m1")?.contains("42.837") == true, "\(text.stdout)")
    }

    @Test(.enabled(if: available)) func anovaBoundaryCorrectionIsTheChiSquaredMixture() throws {
        let r = Self.reference["lrt_boundary"] as! [String: Any]
        let args = ["anova", Self.data + "sleepstudy.csv", "Reaction ~ Days + (1 | Subject)", "Reaction ~ Days + (Days | Subject)",
                    "--factor", "Subject", "--boundary"]
        let json = try Self.object(try LMMExecutable.run(args + ["--format", "json"]))
        // R: 0.5 pchisq(Chisq, 1, lower = FALSE) + 0.5 pchisq(Chisq, 2, lower = FALSE)
        #expect(close(jsonNumber(json["p_boundary"])!, r["p_boundary"] as! Double, rel: 1e-4), "p_boundary \(json["p_boundary"]!)")
        #expect(close(jsonNumber(json["p"])!, r["p"] as! Double, rel: 1e-4))
        let text = try LMMExecutable.run(args)
        #expect(text.status == 0)
        #expect(text.stdout.contains("Pr(>Chisq) (boundary)"))
        // the corrected p-value in the table, the uncorrected one and the explanation below it
        #expect(Self.row(text.stdout, "m1")?.contains("3.961e-10") == true, "\(text.stdout)")
        #expect(text.stdout.contains("50:50 mixture of chi-squared distributions with 1 and 2 df"))
        #expect(text.stdout.contains("Uncorrected p = 7.072e-10"))
    }

    // MARK: drop1

    static let drop1IDs = ["orthodont_add", "orthodont_int", "cbpp_poisson"]

    @Test(.enabled(if: available), arguments: drop1IDs)
    func drop1MatchesLme4(id: String) throws {
        let ref = (Self.reference["drop1"] as! [String: Any])[id] as! [String: Any]
        var args = ["drop1", Self.data + (ref["dataset"] as! String), ref["formula"] as! String]
        for f in ref["factors"] as? [String] ?? [] { args += ["--factor", f] }
        for (col, levels) in ref["levels"] as? [String: [String]] ?? [:] { args += ["--levels", "\(col)=" + levels.joined(separator: ",")] }
        let family = ref["family"] as! String
        if family != "gaussian" { args += ["--family", family] }
        let glmm = family != "gaussian"
        let run = try LMMExecutable.run(args + ["--format", "json"])
        #expect(run.status == 0, "\(id): \(run.stderr)")
        let rows = try #require(try Self.json(run) as? [[String: Any]])
        let expected = ref["rows"] as! [[String: Any]]
        #expect(rows.map { $0["term"] as? String } == expected.map { $0["term"] as? String }, "\(id) terms")
        for (o, e) in zip(rows, expected) {
            let term = e["term"] as! String
            // R's npar column is the number of parameters dropped: JSON's Df
            #expect(o["Df"] as? Int == e["npar"] as? Int, "\(id) \(term) Df")
            #expect(close(jsonNumber(o["AIC"])!, e["AIC"] as! Double, rel: glmm ? 0 : 1e-6, abs: glmm ? 5e-3 : 0), "\(id) \(term) AIC \(o["AIC"]!) vs \(e["AIC"]!)")
            if let lrt = e["LRT"] as? Double {
                #expect(close(jsonNumber(o["LRT"]) ?? .nan, lrt, rel: glmm ? 0 : 1e-4, abs: glmm ? 5e-3 : 1e-6), "\(id) \(term) LRT \(o["LRT"]!) vs \(lrt)")
                #expect(close(jsonNumber(o["p"]) ?? .nan, e["p"] as! Double, rel: glmm ? 5e-3 : 1e-3), "\(id) \(term) p")
            } else {
                #expect(o["LRT"] is NSNull && o["p"] is NSNull, "\(id): the full model's row has no test")
            }
        }
        // the text table is R's print(drop1(m, test = "Chisq")), row by row
        let text = try LMMExecutable.run(args)
        #expect(text.status == 0)
        let rLines = ref["print"] as! [String]
        for e in expected {
            let term = e["term"] as! String
            let ours = Self.row(text.stdout, term) ?? [], theirs = Self.rRow(rLines, term) ?? []
            if glmm {
                // lme4's GLMM optimum is accurate to ~1e-4: the printed digits may differ in the last place
                #expect(ours.count == theirs.count, "\(id) row \(term): ours \(ours) R \(theirs)")
                for (o, r) in zip(ours, theirs) {
                    if let x = Double(o), let y = Double(r) {
                        #expect(close(x, y, rel: 1e-3, abs: 2e-3), "\(id) row \(term): ours \(ours) R \(theirs)")
                    } else {
                        #expect(o == r, "\(id) row \(term): ours \(ours) R \(theirs)")
                    }
                }
            } else {
                #expect(ours == theirs, "\(id) row \(term): ours \(ours) R \(theirs)")
            }
        }
    }

    // MARK: denominator degrees of freedom

    static let ddfIDs = ["orthodont_agesex_int_reml", "sleepstudy_corr_reml"]

    @Test(.enabled(if: available), arguments: ddfIDs)
    func satterthwaiteMatchesLmerTest(id: String) throws {
        let ref = try Fixtures.fit(id)
        let args = ["fit"] + Self.modelArguments(ref) + ["--ddf", "satterthwaite"]
        let json = try Self.object(try LMMExecutable.run(args + ["--format", "json"]))
        let ours = try #require(json["satterthwaite"] as? [String: [String: Any]])
        let expected = ref["satterthwaite"] as! [String: [String: Double]]
        #expect(Set(ours.keys) == Set(expected.keys))
        for (name, e) in expected {
            let o = try #require(ours[name])
            #expect(close(jsonNumber(o["df"])!, e["df"]!, rel: 1e-3), "\(id) \(name) df \(o["df"]!) vs \(e["df"]!)")
            #expect(close(jsonNumber(o["t"])!, e["t"]!, rel: 1e-4), "\(id) \(name) t")
            #expect(close(jsonNumber(o["p"])!, e["p"]!, rel: 1e-3, abs: 1e-12), "\(id) \(name) p \(o["p"]!) vs \(e["p"]!)")
        }
        let table = try #require(json["anova_type3"] as? [[String: Any]])
        let refTable = ref["anova_type3_satterthwaite"] as! [[String: Any]]
        Self.expectTypeIII(table, refTable, dfTolerance: 1e-3, pTolerance: 1e-3, id)
        // the text summary has lmerTest's df and Pr(>|t|) columns, with lmerTest's df in them
        let text = try Self.textWithDFColumn(args, expected, dfTolerance: 1e-3, id)
        #expect(text.contains("Type III Analysis of Variance Table with Satterthwaite's method"))
    }

    /// A type III table against lmerTest's rows: the same terms, numerator df equal, denominator
    /// df and p within the tolerances (relative), F within 1e-3.
    static func expectTypeIII(_ table: [[String: Any]], _ refTable: [[String: Any]], dfTolerance: Double, pTolerance: Double,
                              _ id: String) {
        #expect(table.map { $0["term"] as? String } == refTable.map { $0["term"] as? String })
        for (o, e) in zip(table, refTable) {
            let term = e["term"] as! String
            #expect(jsonNumber(o["num_df"]) == jsonNumber(e["num_df"]), "\(id) \(term) num_df")
            #expect(close(jsonNumber(o["den_df"])!, e["den_df"] as! Double, rel: dfTolerance), "\(id) \(term) den_df")
            #expect(close(jsonNumber(o["F"])!, e["F"] as! Double, rel: 1e-3), "\(id) \(term) F \(o["F"]!) vs \(e["F"]!)")
            #expect(close(jsonNumber(o["p"])!, e["p"] as! Double, rel: pTolerance, abs: 1e-12), "\(id) \(term) p")
        }
    }

    /// The text summary of `args`: its fixed-effects header has the df and Pr(>|t|) columns, and
    /// each coefficient's printed df is the reference's within `dfTolerance`. Returns the text.
    static func textWithDFColumn(_ args: [String], _ expected: [String: [String: Double]], dfTolerance: Double,
                                 _ id: String) throws -> String {
        let text = try LMMExecutable.run(args)
        #expect(text.status == 0)
        let header = try #require(text.stdout.split(separator: "\n").first { $0.contains("Estimate") })
        #expect(header.split(separator: " ") == ["Estimate", "Std.", "Error", "df", "t", "value", "Pr(>|t|)"])
        for (name, e) in expected {
            let fields = try #require(Self.row(text.stdout, name), "no row for \(name)")
            #expect(close(Double(fields[3]) ?? .nan, e["df"]!, rel: dfTolerance), "\(id) \(name) printed df \(fields[3])")
        }
        return text.stdout
    }

    @Test(.enabled(if: available), arguments: ddfIDs)
    func kenwardRogerMatchesPbkrtest(id: String) throws {
        let ref = try Fixtures.fit(id)
        let args = ["fit"] + Self.modelArguments(ref) + ["--ddf", "kenward-roger"]
        let json = try Self.object(try LMMExecutable.run(args + ["--format", "json"]))
        #expect(json["satterthwaite"] == nil)
        let ours = try #require(json["kenward_roger"] as? [String: [String: Any]])
        let expected = ref["kenward_roger"] as! [String: [String: Double]]
        #expect(Set(ours.keys) == Set(expected.keys))
        for (name, e) in expected {
            let o = try #require(ours[name])
            #expect(close(jsonNumber(o["df"])!, e["df"]!, rel: 1e-2), "\(id) \(name) df \(o["df"]!) vs \(e["df"]!)")
            #expect(close(jsonNumber(o["t"])!, e["F_or_t"]!, rel: 1e-3), "\(id) \(name) t \(o["t"]!) vs \(e["F_or_t"]!)")
            #expect(close(jsonNumber(o["p"])!, e["p"]!, rel: 1e-2, abs: 1e-12), "\(id) \(name) p \(o["p"]!) vs \(e["p"]!)")
        }
        let table = try #require(json["anova_type3"] as? [[String: Any]])
        #expect(table.allSatisfy { row in ["term", "num_df", "den_df", "F", "p"].allSatisfy { row[$0] != nil } })
        if id == "orthodont_agesex_int_reml" {
            // lmerTest: anova(m, type = 3, ddf = "Kenward-Roger")
            let refTable = Self.reference["kenward_roger_type3_orthodont_agesex_int_reml"] as! [[String: Any]]
            Self.expectTypeIII(table, refTable, dfTolerance: 1e-2, pTolerance: 1e-2, id)
        }
        let text = try Self.textWithDFColumn(args, expected, dfTolerance: 1e-2, id)
        #expect(text.contains("Kenward-Roger"))
    }

    // MARK: confidence intervals

    static let sleepstudyFit = ["fit", data + "sleepstudy.csv", "Reaction ~ Days + (Days | Subject)", "--factor", "Subject", "--format", "json"]

    @Test(.enabled(if: available)) func waldIntervalsAreLme4s() throws {
        let json = try Self.object(try LMMExecutable.run(Self.sleepstudyFit + ["--confint", "wald"]))
        let ci = try #require(json["confint"] as? [String: Any])
        let expected = Self.reference["wald_sleepstudy_corr_reml"] as! [String: Any]
        #expect(Set(ci.keys) == Set(expected.keys))
        for (name, e) in expected {
            if let e = e as? [String: Double] {
                let o = try #require(ci[name] as? [String: Any])
                let width = e["upper"]! - e["lower"]!
                #expect(abs(jsonNumber(o["lower"])! - e["lower"]!) <= 1e-5 * width, "\(name) lower")
                #expect(abs(jsonNumber(o["upper"])! - e["upper"]!) <= 1e-5 * width, "\(name) upper")
            } else {
                // lme4 gives NA for the variance parameters' Wald intervals
                let o = ci[name] as? [String: Any]
                #expect(o == nil || (o!["lower"] is NSNull && o!["upper"] is NSNull), "\(name): NA in lme4")
            }
        }
        #expect(json["confint_method"] as? String == "wald")
        #expect(jsonNumber(json["confint_level"]) == 0.95)
    }

    @Test(.enabled(if: available)) func profileIntervalsAreLme4s() throws {
        let json = try Self.object(try LMMExecutable.run(Self.sleepstudyFit + ["--confint", "profile"]))
        let ci = try #require(json["confint"] as? [String: [String: Any]])
        let expected = try Fixtures.fit("sleepstudy_corr_reml")["profile_ci"] as! [String: [String: Double]]
        #expect(Set(ci.keys) == Set(expected.keys))
        for (name, e) in expected {
            let o = try #require(ci[name])
            let width = e["upper"]! - e["lower"]!
            #expect(abs(jsonNumber(o["lower"])! - e["lower"]!) <= 1e-3 * width, "\(name) lower \(o["lower"]!) vs \(e["lower"]!)")
            #expect(abs(jsonNumber(o["upper"])! - e["upper"]!) <= 1e-3 * width, "\(name) upper \(o["upper"]!) vs \(e["upper"]!)")
        }
    }

    @Test(.enabled(if: available)) func bootstrapIntervalsAreReproducibleWithASeed() throws {
        let args = Self.sleepstudyFit + ["--confint", "boot", "--nsim", "200", "--seed", "1"]
        let first = try Self.object(try LMMExecutable.run(args))
        let again = try Self.object(try LMMExecutable.run(args))
        let other = try Self.object(try LMMExecutable.run(Self.sleepstudyFit + ["--confint", "boot", "--nsim", "200", "--seed", "2"]))
        let ci = try #require(first["confint"] as? [String: [String: Any]])
        let profile = try Fixtures.fit("sleepstudy_corr_reml")["profile_ci"] as! [String: [String: Double]]
        #expect(Set(ci.keys) == Set(profile.keys))
        let fixef = first["fixef"] as! [String: Double]
        for (name, interval) in ci {
            let lower = jsonNumber(interval["lower"])!, upper = jsonNumber(interval["upper"])!
            #expect(lower < upper, "\(name)")
            if let estimate = fixef[name] { #expect(lower < estimate && estimate < upper, "\(name) covers β̂") }
            // 200 percentile-bootstrap draws land near lme4's profile interval (Monte-Carlo error)
            let p = profile[name]!, width = p["upper"]! - p["lower"]!
            #expect(abs(lower - p["lower"]!) < 0.5 * width && abs(upper - p["upper"]!) < 0.5 * width, "\(name) [\(lower), \(upper)] vs profile \(p)")
        }
        #expect(NSDictionary(dictionary: ci).isEqual(to: again["confint"] as! [String: Any]), "same seed, same intervals")
        #expect(!NSDictionary(dictionary: ci).isEqual(to: other["confint"] as! [String: Any]), "another seed, other draws")
        #expect(first["confint_nsim"] as? Int == 200)
        #expect(first["confint_seed"].map { "\($0)" } == "1")
        #expect(first["confint_method"] as? String == "boot")
    }

    // MARK: predict

    static let predictArgs = ["predict", data + "sleepstudy.csv", "Reaction ~ Days + (Days | Subject)", "--factor", "Subject",
                              "--newdata", extra + "sleepstudy_newdata.csv"]

    @Test(.enabled(if: available)) func predictionsAreLme4s() throws {
        let r = Self.reference["predict_sleepstudy_corr_reml"] as! [String: Any]
        // population level (re.form = NA): every row, the new subject's too
        let none = try Self.object(try LMMExecutable.run(Self.predictArgs + ["--re-form", "none", "--format", "json"]))
        #expect(none["re_form"] as? String == "none")
        let nonePredictions = try #require(none["predictions"] as? [Double])
        let expectedNone = r["re_none"] as! [Double]
        #expect(nonePredictions.count == expectedNone.count)
        for (o, e) in zip(nonePredictions, expectedNone) { #expect(close(o, e, rel: 1e-7), "re.form = NA: \(o) vs \(e)") }
        // with the random effects, the new subject at the population level (allow.new.levels = TRUE)
        let all = try Self.object(try LMMExecutable.run(Self.predictArgs + ["--re-form", "all", "--allow-new-levels", "--format", "json"]))
        #expect(all["re_form"] as? String == "all")
        let allPredictions = try #require(all["predictions"] as? [Double])
        let expectedAll = r["re_all_new_levels"] as! [Double]
        #expect(allPredictions.count == expectedAll.count)
        for (o, e) in zip(allPredictions, expectedAll) { #expect(close(o, e, rel: 1e-6), "re.form = NULL: \(o) vs \(e)") }
        for row in r["new_level_rows"] as! [Int] { #expect(close(allPredictions[row - 1], expectedNone[row - 1], rel: 1e-9)) }
        // text output: CSV row,prediction
        let text = try LMMExecutable.run(Self.predictArgs + ["--re-form", "none"])
        #expect(text.status == 0)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "row,prediction")
        #expect(lines.count == expectedNone.count + 1)
        for (k, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: ",")
            #expect(fields.count == 2 && Int(fields[0]) == k + 1)
            #expect(close(Double(fields[1]) ?? .nan, expectedNone[k], rel: 1e-7), "text row \(k + 1)")
        }
    }

    @Test(.enabled(if: available)) func predictionOfAnUnknownLevelIsAnErrorNamingIt() throws {
        let run = try LMMExecutable.run(Self.predictArgs)   // --re-form all is the default
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.hasPrefix("error:"))
        #expect(run.stderr.contains("'999'") && run.stderr.contains("Subject"), "\(run.stderr)")
        #expect(run.stderr.contains("--allow-new-levels"))
    }

    @Test(.enabled(if: available)) func glmmPredictionsOnBothScales() throws {
        // lme4's predict of the cbpp binomial fit (extra/glmm_extra.json)
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.root + "/extra/glmm_extra.json"))
        let r = (try JSONSerialization.jsonObject(with: data) as! [String: Any])["cbpp_logit_predict"] as! [String: Any]
        let base = ["predict", Self.data + "cbpp.csv", "cbind(incidence, size - incidence) ~ period + (1 | herd)",
                    "--factor", "herd", "--factor", "period", "--family", "binomial", "--newdata", Self.extra + "cbpp_newdata.csv", "--format", "json"]
        for (flags, key) in [(["--re-form", "none", "--type", "link"], "link_re_none"), (["--re-form", "none"], "response_re_none"),
                             (["--allow-new-levels", "--type", "link"], "link_re_all"), (["--allow-new-levels", "--type", "response"], "response_re_all")] {
            let run = try LMMExecutable.run(base + flags)
            #expect(run.status == 0, "\(key): \(run.stderr)")
            let json = try Self.object(run)
            let ours = try #require(json["predictions"] as? [Double])
            let expected = r[key] as! [Double]
            #expect(ours.count == expected.count)
            for (o, e) in zip(ours, expected) { #expect(close(o, e, rel: 1e-3, abs: 1e-4), "\(key): \(o) vs \(e)") }
        }
    }

    // MARK: exit statuses

    @Test(.enabled(if: available)) func exitStatusesAreTheDocumentedOnes() throws {
        let fit = ["fit", Self.data + "sleepstudy.csv", "Reaction ~ Days + (1 | Subject)", "--factor", "Subject"]
        #expect(try LMMExecutable.run(fit).status == 0)
        // 1: bad input (a formula naming no column of the data)
        let bad = try LMMExecutable.run(["fit", Self.data + "sleepstudy.csv", "Reaction ~ Dayz + (1 | Subject)"])
        #expect(bad.status == 1)
        #expect(bad.stderr.hasPrefix("error:") && bad.stderr.contains("Dayz"))
        // 3: numerical failure: an identity-link Poisson on cbpp, where glmer stops too
        // ("PIRLS loop resulted in NaN value")
        let numerical = try LMMExecutable.run(["fit", Self.data + "cbpp.csv", "incidence ~ period + (1 | herd)", "--factor", "herd",
                                               "--factor", "period", "--family", "poisson", "--link", "identity"])
        #expect(numerical.status == 3, "\(numerical.stderr)")
        #expect(numerical.stderr.hasPrefix("error:"))
        // 4: the output cannot be written
        let unwritable = try LMMExecutable.run(fit + ["--output", "/nonexistent-directory/out.txt"])
        #expect(unwritable.status == 4)
        #expect(unwritable.stderr.hasPrefix("error:") && unwritable.stderr.contains("/nonexistent-directory/out.txt"))
        // 64: usage errors caught by the argument parser
        #expect(try LMMExecutable.run(fit + ["--no-such-option"]).status == 64)
        #expect(try LMMExecutable.run(["anova", Self.data + "sleepstudy.csv", "Reaction ~ Days + (1 | Subject)"]).status == 64)
    }
}

private extension Array where Element == String {
    /// Option/value pairs (every option here takes one value).
    func chunked() -> [[String]] { stride(from: 0, to: count, by: 2).map { Array(self[$0..<Swift.min($0 + 2, count)]) } }
}
