// swift-tools-version: 6.1
// ReclaimBench: interchangeable safe-memory-reclamation schemes behind one protocol,
// measured and tortured side by side. See README.md and DESIGN notes in the sources.
import PackageDescription

// Every Swift module uses ~Copyable associated types (participant, guard, hand-off).
let swiftSettings: [SwiftSetting] = [
    .enableExperimentalFeature("SuppressedAssociatedTypes"),
]

let package = Package(
    name: "ReclaimBench",
    products: [
        .library(name: "Reclamation", targets: ["Reclamation"]),
        .library(name: "ReclaimBenchKit", targets: ["ReclaimBenchKit"]),
        .executable(name: "reclaim-bench", targets: ["reclaim-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Debian: apt-get install libjemalloc-dev. Unprefixed build: it also replaces malloc.
        .systemLibrary(
            name: "CJemalloc",
            pkgConfig: "jemalloc",
            providers: [.apt(["libjemalloc-dev"])]
        ),
        // The few things Swift cannot reach on Glibc: sched_getcpu, membarrier, a compiler-only
        // fence, mallctl, a thread-local word.
        .target(
            name: "CReclaimSupport",
            dependencies: ["CJemalloc"],
            linkerSettings: [.linkedLibrary("jemalloc")]
        ),
        .target(
            name: "Reclamation",
            dependencies: ["CReclaimSupport", "CJemalloc"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ReclaimBenchKit",
            dependencies: ["Reclamation", "CReclaimSupport"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "reclaim-bench",
            dependencies: [
                "ReclaimBenchKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ReclamationTests",
            dependencies: ["Reclamation", "ReclaimBenchKit", "CReclaimSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)
