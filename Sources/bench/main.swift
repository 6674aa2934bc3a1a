import SparseLMM

let args = CommandLine.arguments
let table = try DataTable(csvFile: args[1])
var opts = DataOptions()
opts.factorColumns = Array(args.dropFirst(3))
let design = try MixedModelDesign(formula: args[2], data: table, options: opts)
let t0 = monotonicSecondsBench()
let model = try LinearMixedModel(design: design)
let t1 = monotonicSecondsBench()
print("setup", t1 - t0, "supernodal", model.factor.isSupernodal, "nnzL", model.factor.factorEntries)
var theta = model.thetaStart
for _ in 0..<3 { _ = try model.objective(theta) }
let t2 = monotonicSecondsBench()
for _ in 0..<20 { _ = try model.objective(theta) }
let t3 = monotonicSecondsBench()
print("per evaluation", (t3 - t2) / 20)
let t4 = monotonicSecondsBench()
for _ in 0..<20 { try theta.withUnsafeBufferPointer { try model.factor.update(theta: $0) } }
let t5 = monotonicSecondsBench()
print("per factor update", (t5 - t4) / 20)
print("supernodes", model.factor.choleskyFactor.supernodeStatistics, "flops", model.factor.choleskyFactor.flopsPerFactorization)
