// swift-tools-version:6.0
import PackageDescription

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
