// swift-tools-version:6.0
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
        .executableTarget(name: "hazlab", dependencies: [
            "HazLabCore", "HazLabScenario", "HazLabScoring", "HazLabRecords", "HazLabRunner", "HazLabReport",
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
        .target(name: "HazLabLab", dependencies: ["HazLabCore", "HazLabScenario", "HazLabScoring", "HazLabRecords", "HazLabRunner", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "HazLabLabTests", dependencies: ["HazLabLab", "HazLabCore", "HazLabScenario", "HazLabScoring", "HazLabRecords", "HazLabRunner"]),
        .testTarget(name: "HazLabCLITests", dependencies: ["HazLabRunner", "HazLabRecords", "HazLabScenario", "HazLabCore"]),
    ]
)
