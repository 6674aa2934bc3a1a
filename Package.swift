// swift-tools-version:6.0
import PackageDescription
import Foundation

let package = Package(
    name: "SparseLMM",
    products: [
        .library(name: "SparseLMM", targets: ["SparseLMM"]),
        .library(name: "GLMM", targets: ["GLMM"]),
        .executable(name: "lmm", targets: ["lmm"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `swift package generate-documentation --target SparseLMM` builds the DocC catalogue
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
    ],
    targets: [
        // The only C in the project: CHOLMOD, BLAS/LAPACK and NLopt behind a few typed helpers.
        .target(
            name: "CSparseShim",
            linkerSettings: [
                .linkedLibrary("cholmod"),
                .linkedLibrary("suitesparseconfig"),
                .linkedLibrary("openblas"),
                .linkedLibrary("lapack"),
                .linkedLibrary("nlopt"),
                .linkedLibrary("m"),
                .linkedLibrary("dl"),
            ]
        ),
        .target(name: "SparseLMM", dependencies: ["CSparseShim"]),
        .target(name: "GLMM", dependencies: ["SparseLMM", "CSparseShim"]),
        .executableTarget(
            name: "lmm",
            dependencies: [
                "SparseLMM", "GLMM",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "bench", dependencies: ["SparseLMM", "GLMM", "CSparseShim"]),
        .testTarget(name: "SparseLMMTests", dependencies: ["SparseLMM", "GLMM", "CSparseShim"]),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer harnesses (Fuzz/): declared only for scripts/fuzz.sh, which sets SPARSELMM_FUZZ=1 and
// builds them with -sanitize=fuzzer (libFuzzer supplies `main`, so they cannot link otherwise).
if ProcessInfo.processInfo.environment["SPARSELMM_FUZZ"] == "1" {
    for name in ["FuzzCSV", "FuzzFormula"] {
        package.targets.append(.executableTarget(name: name, dependencies: ["SparseLMM"], path: "Fuzz/\(name)",
                                                 swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
    }
}
