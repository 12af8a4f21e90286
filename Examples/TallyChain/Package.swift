// swift-tools-version: 6.1
import PackageDescription

// A worked example of a chain built on Takeoff: its own transactions (P-256 signed), keys, values, envelope
// rules (sequence numbers, gas-priced fees paid to a treasury) and payload logic, run through the parallel
// executor, the LMDB store, the archive and the replay. It uses Takeoff's public API only.
let package = Package(
    name: "TallyChain",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TallyChain", targets: ["TallyChain"]),
        .executable(name: "tally-demo", targets: ["TallyDemo"]),
    ],
    dependencies: [
        .package(name: "Takeoff", path: "../.."),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        // The chain itself needs the core alone: it keeps no storage of its own.
        .target(
            name: "TallyChain",
            dependencies: [
                .product(name: "TakeoffCore", package: "Takeoff"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The demo node: executes blocks, commits them to the store, archives them and replays the archive (the
        // node floor, TakeoffNode, over the LMDB store and the zstd archive).
        .executableTarget(
            name: "TallyDemo",
            dependencies: [
                "TallyChain",
                .product(name: "TakeoffCore", package: "Takeoff"),
                .product(name: "TakeoffNode", package: "Takeoff"),
                .product(name: "TakeoffStore", package: "Takeoff"),
                .product(name: "TakeoffArchive", package: "Takeoff"),
            ],
            path: "Sources/tally-demo"
        ),
    ]
)
