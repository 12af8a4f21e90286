// swift-tools-version: 6.1
// Micro-benchmarks (ordo-one/benchmark): `cd Benchmarks && swift package benchmark`.
// Throughput comparisons of whole blocks live in `takeoff bench` (see BENCHMARKS.md).
import PackageDescription

let package = Package(
    name: "TakeoffBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Takeoff", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "TakeoffBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Takeoff", package: "Takeoff"),
                .product(name: "TakeoffBench", package: "Takeoff"),
            ],
            path: "Benchmarks/TakeoffBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
