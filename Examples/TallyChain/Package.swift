// swift-tools-version: 6.1
import PackageDescription

// A worked example of a chain built on Takeoff: its own transactions (P-256 signed), keys, values, envelope
// rules (sequence numbers, gas-priced fees paid to a treasury) and payload logic, run through the parallel
// executor, the LMDB store and a SQLite store of its own (GRDB), the archive, the replay and the unwind. It uses
// Takeoff's public API only.
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
        // The chain's own storage: SQLite (the system's libsqlite3) through GRDB.
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
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
        // A state store of the chain's own: its state in SQLite, through GRDB. It needs the core alone (the
        // `StateStore` protocol); Takeoff's node floor runs on it.
        .target(
            name: "TallySQLite",
            dependencies: [.product(name: "TakeoffCore", package: "Takeoff"), .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // The demo node: executes blocks, commits them to the store, archives them and replays the archive (the
        // node floor, TakeoffNode, over the LMDB store and the zstd archive).
        .executableTarget(
            name: "TallyDemo",
            dependencies: [
                "TallyChain",
                "TallySQLite",
                .product(name: "TakeoffCore", package: "Takeoff"),
                .product(name: "TakeoffNode", package: "Takeoff"),
                .product(name: "TakeoffStore", package: "Takeoff"),
                .product(name: "TakeoffArchive", package: "Takeoff"),
            ],
            path: "Sources/tally-demo"
        ),
    ]
)
