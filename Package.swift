// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "inspectd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "inspectd", targets: ["inspectd"]),
        .executable(name: "inspectctl", targets: ["inspectctl"]),
        .executable(name: "engine-bench", targets: ["engine-bench"]),
        .executable(name: "inspectd-web", targets: ["inspectd-web"]),
        .library(name: "Engine", targets: ["Engine"]),
        .library(name: "Inspection", targets: ["Inspection"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        // The web review station only (targets WebAuth, Web, inspectd-web); the core builds without them.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Fleet replication to PostgreSQL only (target Fleet).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // C libraries, one module each.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSystemd", path: "Sources/CSystemd", pkgConfig: "libsystemd",
                       providers: [.apt(["libsystemd-dev"])]),

        // Numerical core: no files beyond checkpoints, no SQLite, no systemd.
        .target(
            name: "Engine",
            dependencies: ["CBLAS", "CZlib"],
            resources: [.copy("Resources/bpe_simple_vocab_16e6.txt.gz"),
                        .copy("Resources/LICENSE-bpe-vocab.txt")],
            // Optimised in debug builds too: unoptimised SIMD kernels are ~50x slower, which
            // made a full-size model (the FullSizeEndToEnd tier) take minutes to encode its
            // prompts. Results do not change (no fast-math either way).
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        // libjpeg/libpng behind a C shim so that their setjmp/longjmp error handling never
        // crosses into Swift.
        .target(
            name: "CImageCodecs",
            path: "Sources/CImageCodecs",
            linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png16"), .linkedLibrary("z")]
        ),
        // The domain: decode, preprocess, score, few-shot, evaluation, training. No SQLite.
        .target(
            name: "Inspection",
            dependencies: ["Engine", "CImageCodecs", .product(name: "Logging", package: "swift-log")],
            // Optimised in debug builds too, like Engine: SHA-256 of a 300 MB checkpoint and the
            // per-pixel preprocessing/scoring loops are otherwise minutes at full size.
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        // The SQLite database: the only target that imports GRDB.
        .target(
            name: "Store",
            dependencies: ["Inspection", "Engine", "CImageCodecs", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // The TOML configuration: model, parser, validation; shared by inspectd and inspectctl.
        .target(
            name: "Config",
            dependencies: ["Inspection", .product(name: "TOMLKit", package: "TOMLKit")]
        ),
        // The inspectd process: loop, discovery, processing, stations, systemd.
        .target(
            name: "Daemon",
            dependencies: ["Inspection", "Store", "Config", "CSystemd",
                           .product(name: "Logging", package: "swift-log")]
        ),
        // Fleet replication to a central PostgreSQL: the outbox shipper, the central schema,
        // fleet queries and published versions. Its own target so that the core builds
        // without postgres-nio.
        .target(
            name: "Fleet",
            dependencies: ["Store", "Config", "Inspection",
                           .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOSSL", package: "swift-nio-ssl"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "inspectd",
            dependencies: ["Daemon", "Config", "Fleet", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "inspectctl",
            dependencies: ["Inspection", "Store", "Config", "WebAuth", "Fleet",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // The web station's users file and password hashing (scrypt from swift-crypto), shared by
        // `inspectctl web adduser` and the server; no Hummingbird.
        .target(
            name: "WebAuth",
            dependencies: [.product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "_CryptoExtras", package: "swift-crypto")]
        ),
        // The browser review station: routes, HTML/SVG rendering, sessions, /metrics. The only
        // target that imports Hummingbird.
        .target(
            name: "Web",
            dependencies: ["Store", "Config", "Inspection", "WebAuth",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "inspectd-web",
            dependencies: ["Web", "Config", "Store", "Inspection", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        // Benchmarks; Daemon only for the training child's process priority.
        .executableTarget(
            name: "engine-bench",
            dependencies: ["Engine", "Inspection", "Store", "Daemon", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        .testTarget(
            name: "EngineTests",
            dependencies: ["Engine"],
            resources: [.copy("Fixtures")]
        ),
        // Helpers shared by the test targets: scratch databases, sample rows, hand-built PNGs.
        .target(
            name: "TestSupport",
            dependencies: ["Store", "Inspection", "Engine"],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "InspectionTests",
            dependencies: ["Inspection", "Store", "Engine", "TestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "StoreTests",
            dependencies: ["Store", "Inspection", "Engine", "TestSupport"],
            resources: [.copy("Fixtures")]
        ),
        // HTTP tests against the real inspectd-web binary on a loopback port, and the browser test.
        .testTarget(
            name: "WebTests",
            dependencies: ["Store", "Inspection", "Engine", "TestSupport", "WebAuth"],
            exclude: ["browser_check.py"]
        ),
        .testTarget(
            name: "ConfigTests",
            dependencies: ["Config", "Inspection"]
        ),
        .testTarget(
            name: "FleetTests",
            dependencies: ["Fleet", "Store", "Config", "Inspection", "TestSupport",
                           .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "DaemonTests",
            dependencies: ["Daemon", "Store", "Config", "Inspection", "Engine", "TestSupport",
                           .product(name: "Logging", package: "swift-log")]
        ),
    ]
)
