// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "HazLab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "hazlab", targets: ["hazlab"]),
        .library(name: "HazLabCore", targets: ["HazLabCore"]),
        .library(name: "HazLabScenario", targets: ["HazLabScenario"]),
        .library(name: "HazLabScoring", targets: ["HazLabScoring"]),
        .executable(name: "hazlab-viewer", targets: ["hazlab-viewer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        // The lab server (issue 14). Traits off: no swift-configuration, smaller cold build.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        .target(name: "HazLabCore"),
        .target(name: "HazLabScenario", dependencies: ["HazLabCore", .product(name: "Yams", package: "Yams")]),
        .target(name: "HazLabScoring", dependencies: ["HazLabCore"]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "HazLabRecords", dependencies: ["HazLabCore", "HazLabScoring", "CSQLite",
                                                     .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "HazLabRunner", dependencies: ["HazLabCore", "HazLabScenario", "HazLabScoring", "HazLabRecords"]),
        .target(name: "HazLabReport", dependencies: ["HazLabCore", "HazLabScenario", "HazLabScoring", "HazLabRecords", "HazLabRunner"]),
        // The school lab server: HTTP + WebSocket on Hummingbird 2, accounts, roles, sessions, audit.
        .target(name: "HazLabServer", dependencies: [
            "HazLabCore", "HazLabScenario", "HazLabRecords", "HazLabRunner",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .executableTarget(name: "hazlab", dependencies: [
            "HazLabCore", "HazLabScenario", "HazLabScoring", "HazLabRecords", "HazLabRunner", "HazLabReport", "HazLabServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .systemLibrary(name: "CGL", path: "Sources/CGL", providers: [.apt(["libgl-dev"])]),
        .systemLibrary(name: "CEGL", path: "Sources/CEGL", providers: [.apt(["libegl-dev"])]),
        .systemLibrary(name: "CGLFW", path: "Sources/CGLFW", providers: [.apt(["libglfw3-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CFreeType", path: "Sources/CFreeType", pkgConfig: "freetype2",
                       providers: [.apt(["libfreetype-dev", "libfontconfig-dev"])]),
        // The renderer: scene from the model, shaders, picking, the CJK text atlas, offscreen EGL.
        .target(name: "HazLabRender", dependencies: ["HazLabCore", "CGL", "CEGL", "CFreeType", "CZlib"]),
        // The workstation's logic without a window: live session, input layer, HUD, modes.
        .target(name: "HazLabWorkstation", dependencies: ["HazLabCore", "HazLabScenario", "HazLabScoring", "HazLabRecords",
                                                         "HazLabRunner", "HazLabRender"]),
        .executableTarget(name: "hazlab-viewer", dependencies: [
            "HazLabWorkstation", "HazLabRender", "HazLabCore", "HazLabScenario", "HazLabRecords", "CGLFW", "CGL",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "hazlab-bench", dependencies: ["HazLabCore", "HazLabScenario", "HazLabScoring", "HazLabRunner",
                                                             "HazLabRender", "HazLabWorkstation"], path: "Tools/bench/Sources"),
        .testTarget(name: "HazLabCoreTests", dependencies: ["HazLabCore"]),
        .testTarget(name: "HazLabScenarioTests", dependencies: ["HazLabCore", "HazLabScenario"], exclude: ["Invalid"]),
        .testTarget(name: "HazLabEngineTests", dependencies: ["HazLabCore", "HazLabScenario", "HazLabScoring", "HazLabRecords", "HazLabRunner"]),
        .testTarget(name: "HazLabRecordsTests", dependencies: ["HazLabCore", "HazLabRecords"]),
        .testTarget(name: "HazLabReportTests", dependencies: ["HazLabCore", "HazLabScenario", "HazLabScoring", "HazLabRecords", "HazLabRunner", "HazLabReport"]),
        .testTarget(name: "HazLabRenderTests", dependencies: ["HazLabCore", "HazLabScenario", "HazLabRender"]),
        .testTarget(name: "HazLabWorkstationTests", dependencies: ["HazLabCore", "HazLabScenario", "HazLabRecords", "HazLabRunner",
                                                                  "HazLabRender", "HazLabWorkstation"]),
        .testTarget(name: "HazLabServerTests", dependencies: ["HazLabServer", "HazLabRecords",
                                                             .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "HazLabCLITests", dependencies: ["HazLabRunner", "HazLabRecords", "HazLabScenario", "HazLabCore"]),
    ]
)
