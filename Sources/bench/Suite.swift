/// The benchmark's named workloads. Add a workload by adding an entry here; a GLMM entry becomes
/// a real comparison as soon as `ModelFamily.fittedByUs` is true for its family and
/// `OurMeasurement` learns to fit it.
enum Suite {
    static let all: [Workload] = [
        // ---- small: reference datasets and a maximal-slopes experiment ----
        Workload(name: "sleepstudy", title: "sleepstudy, correlated random slope",
                 size: .small, data: .fixture(file: "sleepstudy.csv"),
                 formula: "Reaction ~ Days + (Days | Subject)", family: .gaussian, criterion: .reml,
                 approximateRows: 180, inference: [.parametricBootstrap(nsim: 1000)]),
        Workload(name: "penicillin", title: "Penicillin, two crossed intercepts",
                 size: .small, data: .fixture(file: "Penicillin.csv"),
                 formula: "diameter ~ 1 + (1 | plate) + (1 | sample)", family: .gaussian, criterion: .reml,
                 approximateRows: 144),
        Workload(name: "pastes", title: "Pastes, nested intercepts",
                 size: .small, data: .fixture(file: "Pastes.csv"),
                 formula: "strength ~ 1 + (1 | batch/cask)", family: .gaussian, criterion: .reml,
                 approximateRows: 60),
        Workload(name: "maximal-slopes", title: "56 subjects × 32 items, maximal random slopes (20 θ, kb07-like)",
                 size: .small, data: .maximalSlopes(MaximalSlopesSimulation(subjects: 56, items: 32)),
                 formula: "y ~ 1 + a + b + c + (1 + a + b + c | subj) + (1 + a + b + c | item)",
                 family: .gaussian, criterion: .reml, approximateRows: 1792),
        Workload(name: "verbagg", title: "VerbAgg, Bernoulli GLMM, crossed intercepts",
                 size: .small, data: .fixture(file: "VerbAgg.csv"),
                 formula: "r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item)",
                 family: .binomial, criterion: .ml, approximateRows: 7584),
        Workload(name: "grouseticks", title: "grouseticks, Poisson GLMM, three intercepts",
                 size: .small, data: .fixture(file: "grouseticks.csv"),
                 formula: "TICKS ~ YEAR + cHEIGHT + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION)",
                 family: .poisson, criterion: .ml, approximateRows: 403),
        // ---- medium ----
        Workload(name: "insteval", title: "InstEval, crossed students × lecturers",
                 size: .medium, data: .fixture(file: "InstEval.csv"),
                 formula: "y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept:service)",
                 family: .gaussian, criterion: .reml, approximateRows: 73_421,
                 inference: [.satterthwaite, .kenwardRoger]),
        Workload(name: "nested-schools", title: "1,000 schools / ~10k teachers / ~200k students, nested",
                 size: .medium,
                 data: .nested(NestedSimulation(schools: 1000, teachersPerSchool: 5...15, studentsPerTeacher: 10...30)),
                 formula: "y ~ 1 + x + (1 | school/teacher)", family: .gaussian, criterion: .reml,
                 approximateRows: 200_000),
        Workload(name: "crossed-200k", title: "200k rows, 4,000 users × 1,000 items, Zipf-like counts",
                 size: .medium,
                 data: .crossed(CrossedSimulation(rows: 200_000, users: 4_000, items: 1_000, response: .gaussian)),
                 formula: "y ~ 1 + x + (1 | user) + (1 | item)", family: .gaussian, criterion: .reml,
                 approximateRows: 200_000),
        Workload(name: "crossed-1m", title: "1M rows, 20,000 users × 5,000 items (the reference lme4 timing)",
                 size: .medium,
                 data: .crossed(CrossedSimulation(rows: 1_000_000, users: 20_000, items: 5_000, response: .gaussian)),
                 formula: "y ~ 1 + x + (1 | user) + (1 | item)", family: .gaussian, criterion: .reml,
                 approximateRows: 1_000_000),
        Workload(name: "bernoulli-crossed-200k", title: "200k rows, 20,000 users × 5,000 items, Bernoulli GLMM",
                 size: .medium,
                 data: .crossed(CrossedSimulation(rows: 200_000, users: 20_000, items: 5_000, response: .bernoulli)),
                 formula: "y ~ 1 + x + (1 | user) + (1 | item)", family: .binomial, criterion: .ml,
                 approximateRows: 200_000),
        // ---- large: only when named ----
        Workload(name: "crossed-10m", title: "10M rows, 20,000 users × 5,000 items",
                 size: .large,
                 data: .crossed(CrossedSimulation(rows: 10_000_000, users: 20_000, items: 5_000, response: .gaussian)),
                 formula: "y ~ 1 + x + (1 | user) + (1 | item)", family: .gaussian, criterion: .reml,
                 approximateRows: 10_000_000),
    ] + scaling

    /// The same schools and teachers (1,000 schools, 5–15 teachers each) with 10, 100 and 500
    /// students per teacher, about 100k, 1M and 5M rows (`bench scaling`). Z'Z has the same
    /// pattern and CHOLMOD the same work at every size, so an evaluation that does no O(n) work
    /// (design-notes: cross-products once, per θ only rescale and refactor) costs the same at every
    /// n: the ms/eval column shows it, while load and setup grow with n.
    static let scaling: [Workload] = [10, 100, 500].map { students in
        let rows = 10_000 * students
        let label = rows >= 1_000_000 ? "\(rows / 1_000_000)m" : "\(rows / 1_000)k"
        return Workload(name: "scaling-" + label,
                        title: "~\(label) rows, 1,000 schools / ~10k teachers / \(students) students each: ms/eval flat in n",
                        size: .large,
                        data: .nested(NestedSimulation(schools: 1000, teachersPerSchool: 5...15,
                                                       studentsPerTeacher: students...students)),
                        formula: "y ~ 1 + x + (1 | school/teacher)", family: .gaussian, criterion: .reml,
                        approximateRows: rows)
    }

    /// The workload with this name.
    static func workload(named name: String) throws -> Workload {
        guard let w = all.first(where: { $0.name == name }) else { throw BenchError.unknownWorkload(name) }
        return w
    }

    /// The workloads selected by names and group names (`small`, `medium`, `large`, `all`,
    /// `default`, `scaling`), in suite order, without duplicates. No names: the default suite (small and
    /// medium).
    static func select(_ names: [String]) throws -> [Workload] {
        var chosen = Set<String>()
        for name in names.isEmpty ? ["default"] : names {
            switch name {
            case "default": all.filter { $0.size != .large }.forEach { chosen.insert($0.name) }
            case "scaling": scaling.forEach { chosen.insert($0.name) }
            case "all": all.forEach { chosen.insert($0.name) }
            case "lmm": all.filter { $0.family == .gaussian && $0.size != .large }.forEach { chosen.insert($0.name) }
            case "glmm": all.filter { $0.family != .gaussian && $0.size != .large }.forEach { chosen.insert($0.name) }
            default:
                if let size = WorkloadSize(rawValue: name) {
                    all.filter { $0.size == size }.forEach { chosen.insert($0.name) }
                } else {
                    chosen.insert(try workload(named: name).name)
                }
            }
        }
        return all.filter { chosen.contains($0.name) }
    }
}
