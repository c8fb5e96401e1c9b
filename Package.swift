// swift-tools-version: 6.1
// ReclaimBench: interchangeable safe-memory-reclamation schemes behind one protocol,
// measured and tortured side by side. See README.md and DESIGN notes in the sources.
import PackageDescription

// RECLAIMBENCH_ALLOCATOR=system at build time leaves jemalloc out of the link entirely.
// Sanitizer builds need this: Debian's unprefixed jemalloc replaces malloc *and* C++
// operator new process-wide, so with it linked, memory the C++ runtime allocates through
// jemalloc is freed through the sanitizer's free (an ASan "bad-free" before any test runs).
// The run-time switch (the same variable at run time) chooses the node allocator of a
// jemalloc build; this one removes jemalloc.
let withoutJemalloc = Context.environment["RECLAIMBENCH_ALLOCATOR"] == "system"

// RECLAIMBENCH_SANITIZER=thread (scripts/test.sh's TSan stage) tells the suite it runs
// under ThreadSanitizer, which cannot see the C libraries' synchronization (liburcu's is
// inside its uninstrumented shared libraries, ck's is inline assembly): their schemes are
// left out of that stage (TestedSchemes), and checked by the other four.
let underThreadSanitizer = Context.environment["RECLAIMBENCH_SANITIZER"] == "thread"

// RECLAIMBENCH_STRESS=1 builds the stress build (Sources/Reclamation/Support/StressModel.swift):
// injection points in the schemes' ordering windows and a store-buffer model of the
// publishes a fence or membarrier must order, driven by torture. Build it in its own folder
// (`--build-path .build-stress`); the normal build is unchanged by it.
let stressBuild = Context.environment["RECLAIMBENCH_STRESS"] == "1"

// Every Swift module uses ~Copyable associated types (participant, guard, hand-off).
let swiftSettings: [SwiftSetting] = [
    .enableExperimentalFeature("SuppressedAssociatedTypes"),
] + (withoutJemalloc ? [.define("RECLAIMBENCH_NO_JEMALLOC")] : [])
    + (underThreadSanitizer ? [.define("RECLAIMBENCH_THREAD_SANITIZER")] : [])
    + (stressBuild ? [.define("RECLAIMBENCH_STRESS")] : [])

let jemallocDependency: [Target.Dependency] = withoutJemalloc ? [] : ["CJemalloc"]

let package = Package(
    name: "ReclaimBench",
    products: [
        .library(name: "Reclamation", targets: ["Reclamation"]),
        .library(name: "ReclaimBenchSupport", targets: ["ReclaimBenchSupport"]),
        .library(name: "LockFreeStructures", targets: ["LockFreeStructures"]),
        .library(name: "ReclaimBenchKit", targets: ["ReclaimBenchKit"]),
        .library(name: "ReclaimTorture", targets: ["ReclaimTorture"]),
        .library(name: "ReclaimBenchCLI", targets: ["ReclaimBenchCLI"]),
        .executable(name: "reclaim-bench", targets: ["reclaim-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // arc: ManagedAtomic strong references, what a Swift developer reaches for.
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
        // Per-operation latency in the runner.
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
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
            dependencies: jemallocDependency,
            cSettings: withoutJemalloc ? [.define("RECLAIMBENCH_NO_JEMALLOC")] : [],
            linkerSettings: withoutJemalloc ? [] : [.linkedLibrary("jemalloc")]
        ),
        // The C libraries the Swift schemes are calibrated against (Debian: liburcu-dev,
        // libck-dev). liburcu's generic names are macros per flavor: link each flavor's
        // library explicitly.
        .target(
            name: "CReferenceLibraries",
            dependencies: jemallocDependency,
            cSettings: withoutJemalloc ? [.define("RECLAIMBENCH_NO_JEMALLOC")] : [],
            linkerSettings: [
                .linkedLibrary("urcu-qsbr"), .linkedLibrary("urcu-memb"), .linkedLibrary("urcu-common"),
                .linkedLibrary("ck"),
            ] + (withoutJemalloc ? [] : [.linkedLibrary("jemalloc")])
        ),
        // The harness's helpers (OS threads, a pthread-mutex box, SplitMix64): below
        // Reclamation, which imports them internally, so its public API does not export them.
        .target(
            name: "ReclaimBenchSupport",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Reclamation",
            dependencies: ["ReclaimBenchSupport", "CReclaimSupport", "CReferenceLibraries", .product(name: "Atomics", package: "swift-atomics")]
                + jemallocDependency,
            swiftSettings: swiftSettings
        ),
        // Structures written once, generic over R: Reclaimer (hot paths @inlinable).
        .target(
            name: "LockFreeStructures",
            dependencies: ["Reclamation", "ReclaimBenchSupport"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ReclaimBenchKit",
            dependencies: [
                "Reclamation", "LockFreeStructures", "ReclaimBenchSupport", "CReclaimSupport", "CReferenceLibraries",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // Torture (after rcutorture/hazptrtorture), apart from the benchmark: the run and its
        // supervisor, writer, readers, release thread, stutter, checks, report; Planted/.
        .target(
            name: "ReclaimTorture",
            dependencies: ["Reclamation", "ReclaimBenchSupport", "ReclaimBenchKit", "CReclaimSupport"],
            swiftSettings: swiftSettings
        ),
        // Every command, over the Kit; a client's executable calls
        // ReclaimBenchCommand.main(schemes:structures:) with its own lists.
        .target(
            name: "ReclaimBenchCLI",
            dependencies: [
                "ReclaimBenchKit", "ReclaimTorture", "Reclamation", "LockFreeStructures", "CReclaimSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "reclaim-bench",
            dependencies: ["ReclaimBenchCLI", "ReclaimBenchKit"],
            swiftSettings: swiftSettings
        ),
        // Every test suite's time limit (Tests/TestSupport/Watchdog.swift).
        .target(
            name: "TestSupport",
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ReclaimBenchKitTests",
            dependencies: ["Reclamation", "LockFreeStructures", "ReclaimBenchKit", "CReferenceLibraries", "ReclaimBenchSupport", "ReclaimTorture", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LockFreeStructuresTests",
            dependencies: ["Reclamation", "LockFreeStructures", "ReclaimBenchKit", "ReclaimBenchSupport", "ReclaimTorture", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ReclamationTests",
            dependencies: ["Reclamation", "LockFreeStructures", "ReclaimBenchKit", "CReclaimSupport", "ReclaimBenchSupport", "ReclaimTorture", "TestSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)
