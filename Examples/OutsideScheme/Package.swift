// swift-tools-version: 6.1
// An outside package, as a researcher would write one: its own scheme (OutsideEpochDomain)
// and its own structure (TreiberStack), through ReclaimBench's public API only, and an
// executable that is a full reclaim-bench over the built-in schemes and structures plus
// its own. CI builds it and runs it (scripts/example-check.sh).
import PackageDescription

let package = Package(
    name: "OutsideScheme",
    dependencies: [
        .package(name: "ReclaimBench", path: "../.."),
    ],
    targets: [
        .target(
            name: "OutsideSchemes",
            dependencies: [
                .product(name: "Reclamation", package: "ReclaimBench"),
                .product(name: "LockFreeStructures", package: "ReclaimBench"),
            ],
            swiftSettings: [.enableExperimentalFeature("SuppressedAssociatedTypes")]
        ),
        .executableTarget(
            name: "outside-bench",
            dependencies: [
                "OutsideSchemes",
                .product(name: "ReclaimBenchCLI", package: "ReclaimBench"),
                .product(name: "ReclaimBenchKit", package: "ReclaimBench"),
                .product(name: "Reclamation", package: "ReclaimBench"),
            ],
            swiftSettings: [.enableExperimentalFeature("SuppressedAssociatedTypes")]
        ),
        .testTarget(
            name: "OutsideSchemesTests",
            dependencies: [
                "OutsideSchemes",
                .product(name: "ReclaimBenchKit", package: "ReclaimBench"),
                .product(name: "ReclaimTorture", package: "ReclaimBench"),
            ],
            swiftSettings: [.enableExperimentalFeature("SuppressedAssociatedTypes")]
        ),
    ]
)
