// swift-tools-version: 6.1
import PackageDescription

// The executors are generic over a chain's logic; cross-module optimization lets the compiler specialize them
// in the module that names the logic (the command line, a chain's own module) instead of running them through
// generic metadata.
let crossModuleOptimization: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
    name: "Takeoff",
    platforms: [.macOS(.v15)],
    products: [
        // Everything in one import (the modules below, re-exported).
        .library(name: "Takeoff", targets: ["Takeoff"]),
        // The model, state, executors and commitment: all a chain with storage of its own links.
        .library(name: "TakeoffCore", targets: ["TakeoffCore"]),
        // The node floor over the core's store and log protocols: pipeline, recovery, replay, unwind, and an
        // in-memory store and log.
        .library(name: "TakeoffNode", targets: ["TakeoffNode"]),
        // The LMDB state store.
        .library(name: "TakeoffStore", targets: ["TakeoffStore"]),
        // The zstd block archive and snapshot files.
        .library(name: "TakeoffArchive", targets: ["TakeoffArchive"]),
        // The built-in chain: its transactions, envelope rules and payload logic.
        .library(name: "TakeoffBuiltinChain", targets: ["TakeoffBuiltinChain"]),
        // Contracts in WebAssembly for the built-in chain (links WasmKit).
        .library(name: "TakeoffWasm", targets: ["TakeoffWasm"]),
        // Benchmark workloads for the built-in chain.
        .library(name: "TakeoffWorkloads", targets: ["TakeoffWorkloads"]),
        // The benchmark harness over those workloads.
        .library(name: "TakeoffBench", targets: ["TakeoffBench"]),
        .executable(name: "takeoff", targets: ["TakeoffCLI"]),
        .executable(name: "takeoff-fuzz", targets: ["TakeoffFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        // The library logs through a Logger it is given, and reports counters through swift-metrics: the
        // application picks the backends (the command line: standard error, and Prometheus over Hummingbird).
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // Latency percentiles (HdrHistogram) in the summaries of bench, run and replay.
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // The WebAssembly interpreter that runs contracts (fuel metering since 0.4.2); only TakeoffWasm links it.
        .package(url: "https://github.com/swiftwasm/WasmKit", from: "0.4.2"),
        // `swift package generate-documentation` (DocC); adds no code to the products.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CLMDB", providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(name: "CZstd", providers: [.apt(["libzstd-dev"])]),
        // The state commitment's vectorized kernel (ChaCha20 across SIMD lanes); no library offers it.
        .target(name: "CLatticeHash"),
        // Prefetch hints for the executors' table lookups.
        .target(name: "CMemoryHints"),
        .target(
            name: "TakeoffCore",
            dependencies: [
                "CLatticeHash", "CMemoryHints", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: crossModuleOptimization
        ),
        // Files and compression: atomic writes, writer locks, zstd, framed streams (the store, the archive and
        // the workloads share them).
        .target(
            name: "TakeoffIO", dependencies: ["TakeoffCore", "CZstd", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: crossModuleOptimization),
        .target(
            name: "TakeoffNode",
            dependencies: [
                "TakeoffCore", .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: crossModuleOptimization
        ),
        .target(name: "TakeoffStore", dependencies: ["TakeoffCore", "TakeoffIO", "CLMDB"], swiftSettings: crossModuleOptimization),
        .target(
            name: "TakeoffArchive",
            dependencies: ["TakeoffCore", "TakeoffIO", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: crossModuleOptimization
        ),
        .target(
            name: "TakeoffBuiltinChain",
            dependencies: ["TakeoffCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: crossModuleOptimization
        ),
        // Contracts in WebAssembly for the built-in chain: validation, the host interface, per-worker runtimes.
        .target(
            name: "TakeoffWasm",
            dependencies: [
                "TakeoffCore", "TakeoffBuiltinChain", .product(name: "WasmKit", package: "WasmKit"),
                .product(name: "WasmParser", package: "WasmKit"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: crossModuleOptimization
        ),
        .target(name: "Takeoff", dependencies: ["TakeoffCore", "TakeoffNode", "TakeoffStore", "TakeoffArchive", "TakeoffBuiltinChain"]),
        .target(name: "TakeoffWorkloads", dependencies: ["TakeoffCore", "TakeoffBuiltinChain", "TakeoffIO"]),
        // The benchmark harness: workloads measured parallel against sequential, the sweep, the commitment alone
        // (the command line and the Benchmarks package use it).
        .target(
            name: "TakeoffBench",
            dependencies: [
                "TakeoffCore", "TakeoffNode", "TakeoffBuiltinChain", "TakeoffWorkloads", "TakeoffWasm",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: crossModuleOptimization
        ),
        // The decoders' fuzz targets, for `takeoff-fuzz` and the tests.
        .target(name: "TakeoffFuzzTargets", dependencies: ["Takeoff", "TakeoffIO"]),
        .executableTarget(
            name: "TakeoffCLI",
            dependencies: [
                "Takeoff",
                "TakeoffBench",
                "TakeoffWorkloads",
                "TakeoffWasm",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .executableTarget(name: "TakeoffFuzz", dependencies: ["Takeoff", "TakeoffFuzzTargets"]),
        .testTarget(name: "ModelTests", dependencies: ["Takeoff", "TakeoffIO", "TakeoffWorkloads", "TakeoffFuzzTargets"]),
        .testTarget(
            name: "StorageTests",
            dependencies: ["Takeoff", "TakeoffIO", "TakeoffWorkloads", "CLatticeHash", "CMemoryHints", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(
            name: "ExecutionTests",
            dependencies: [
                "Takeoff", "TakeoffWorkloads", "TakeoffWasm", .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "WAT", package: "WasmKit"),
            ]),
        // The node floor on the in-memory store and log: no LMDB, no files.
        .testTarget(name: "NodeTests", dependencies: ["TakeoffNode", "TakeoffBuiltinChain", "TakeoffWorkloads"]),
        .testTarget(name: "WorkloadTests", dependencies: ["Takeoff", "TakeoffIO", "TakeoffWorkloads"]),
        .testTarget(
            name: "ArchiveTests",
            dependencies: ["Takeoff", "TakeoffIO", "TakeoffWorkloads", .product(name: "MetricsTestKit", package: "swift-metrics")]),
        .testTarget(name: "CLITests", dependencies: ["TakeoffCLI"]),
    ]
)
