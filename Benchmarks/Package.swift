// swift-tools-version: 6.1
// ReclaimBench's microbenchmarks (ordo-one/benchmark): the per-operation cost of every
// scheme (ReclaimerOverhead) and of the structures over them (StructureOperations).
// A sub-package, so that the benchmark framework (minutes to build) stays out of the
// root package's everyday `swift build` / `swift test` and out of CI. Run from here:
//   swift package benchmark
// See ../README.md ("Microbenchmarks").
import PackageDescription

let swiftSettings: [SwiftSetting] = [.enableExperimentalFeature("SuppressedAssociatedTypes")]

let package = Package(
    name: "ReclaimBenchBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // The root package, by path; named so that targets can refer to it whatever the
        // checkout's folder is called.
        .package(name: "ReclaimBench", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "ReclaimerOverhead",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Reclamation", package: "ReclaimBench"),
            ],
            path: "ReclaimerOverhead",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "StructureOperations",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Reclamation", package: "ReclaimBench"),
                .product(name: "LockFreeStructures", package: "ReclaimBench"),
            ],
            path: "StructureOperations",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
