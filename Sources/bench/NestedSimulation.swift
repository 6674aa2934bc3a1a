/// Students within teachers within schools, one row per student:
///
///     y = 1 + 0.4 x + s_school + t_teacher + e,   s ~ N(0, 0.6²), t ~ N(0, 0.4²), e ~ N(0, 1), x ~ N(0, 1)
///
/// Each school has a uniform number of teachers in `teachersPerSchool`, each teacher a uniform
/// number of students in `studentsPerTeacher`. Teacher labels (`t01`, `t02`, …) restart in every
/// school, so the model needs `(1 | school/teacher)`, i.e. `(1 | school) + (1 | school:teacher)`.
/// Columns: y, x, school, teacher.
struct NestedSimulation: Sendable {
    var schools: Int
    var teachersPerSchool: ClosedRange<Int>
    var studentsPerTeacher: ClosedRange<Int>

    var recipe: String {
        "y = 1 + 0.4x + s_school + t_teacher + e; s~N(0,0.6²), t~N(0,0.4²), e~N(0,1); \(schools) schools × \(teachersPerSchool.lowerBound)–\(teachersPerSchool.upperBound) teachers × \(studentsPerTeacher.lowerBound)–\(studentsPerTeacher.upperBound) students (uniform), teacher labels restart per school"
    }

    func generate(seed: UInt64) -> SimulatedData {
        var sizeRNG = Xoshiro256StarStar(seed: seed, stream: "nested.sizes")
        var effectRNG = Xoshiro256StarStar(seed: seed, stream: "nested.effects")
        var xRNG = Xoshiro256StarStar(seed: seed, stream: "nested.x")
        var noiseRNG = Xoshiro256StarStar(seed: seed, stream: "nested.noise")
        var school = [Int32](), teacher = [Int32](), x = [Double](), y = [Double]()
        var maxTeachers = 0
        for s in 0..<schools {
            let schoolEffect = effectRNG.normal(mean: 0, sd: 0.6)
            let teachers = sizeRNG.integer(in: teachersPerSchool)
            maxTeachers = max(maxTeachers, teachers)
            for t in 0..<teachers {
                let teacherEffect = effectRNG.normal(mean: 0, sd: 0.4)
                let students = sizeRNG.integer(in: studentsPerTeacher)
                for _ in 0..<students {
                    let xi = SimulatedData.quantised(xRNG.normal())
                    school.append(Int32(s))
                    teacher.append(Int32(t))
                    x.append(xi)
                    y.append(SimulatedData.quantised(1 + 0.4 * xi + schoolEffect + teacherEffect + noiseRNG.normal()))
                }
            }
        }
        return SimulatedData(columns: [
            ("y", .numeric(y)),
            ("x", .numeric(x)),
            ("school", .factor(codes: school, labels: SimulatedData.labels("s", count: schools))),
            ("teacher", .factor(codes: teacher, labels: SimulatedData.labels("t", count: maxTeachers))),
        ])
    }
}
