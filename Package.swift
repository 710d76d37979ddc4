// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "inspectd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "inspectd", targets: ["inspectd"]),
        .executable(name: "inspectctl", targets: ["inspectctl"]),
        .executable(name: "engine-bench", targets: ["engine-bench"]),
        .library(name: "Engine", targets: ["Engine"]),
        .library(name: "Inspection", targets: ["Inspection"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
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
                        .copy("Resources/LICENSE-bpe-vocab.txt")]
        ),
        // libjpeg/libpng behind a C shim so that their setjmp/longjmp error handling never
        // crosses into Swift.
        .target(
            name: "CImageCodecs",
            path: "Sources/CImageCodecs",
            linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png16"), .linkedLibrary("z")]
        ),
        .target(
            name: "Inspection",
            dependencies: ["Engine", "CImageCodecs", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "Daemon",
            dependencies: ["Inspection", "CSystemd", .product(name: "TOMLKit", package: "TOMLKit"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "inspectd",
            dependencies: ["Daemon", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "inspectctl",
            dependencies: ["Inspection", "Daemon", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "engine-bench",
            dependencies: ["Engine", "Inspection", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        .testTarget(
            name: "EngineTests",
            dependencies: ["Engine"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "InspectionTests",
            dependencies: ["Inspection", "Engine"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "DaemonTests",
            dependencies: ["Daemon", "Inspection", "Engine"]
        ),
    ]
)
