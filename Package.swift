// swift-tools-version: 6.1
import PackageDescription

// wgctl does without `_StringProcessing` (the regex engine, ~1.4 MB of the static binary): the
// few string searches it needs are in UplinkCore/Support/TextSearch.swift.
let withoutRegex: [SwiftSetting] = [.unsafeFlags(["-Xfrontend", "-disable-implicit-string-processing-module-import"])]

let package = Package(
    name: "wireguard-uplink",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "wgctl", targets: ["wgctl"]),
    ],
    dependencies: [],
    targets: [
        // libuci's file format: parser, model, byte-preserving edits. Pure.
        .target(name: "UCI", swiftSettings: withoutRegex),
        // Settings, naming, planner, health and selection logic, messages. Pure.
        .target(name: "UplinkCore", dependencies: ["UCI"], swiftSettings: withoutRegex),
        // glibc calls Swift's Glibc module hides behind _GNU_SOURCE (getrandom, mkostemp, pipe2).
        .target(name: "CSystemShim"),
        // Adapters: files, locks, keys, commands, probes, sockets, kernel state.
        .target(name: "UplinkSystem", dependencies: [
            "UCI", "UplinkCore", "CSystemShim",
        ], swiftSettings: withoutRegex),
        // The operations every face shares (CLI, rpcd, daemon).
        .target(name: "UplinkApp", dependencies: ["UCI", "UplinkCore", "UplinkSystem"], swiftSettings: withoutRegex),
        // The CLI: its own small argument parser (Sources/wgctl/CLI), no library, no Foundation.
        .executableTarget(name: "wgctl", dependencies: ["UplinkApp"], swiftSettings: withoutRegex),
        // `swift run -c release planner-bench`: planner and reconciler time for many uplinks.
        .executableTarget(name: "planner-bench", dependencies: ["UCI", "UplinkCore"], path: "Benchmarks/planner-bench"),
        // `swift run -c release mesh-sim`: 200 mesh nodes exchanging offers, in process.
        .executableTarget(name: "mesh-sim", dependencies: ["UplinkCore"], path: "Benchmarks/mesh-sim"),
        .testTarget(name: "UCITests", dependencies: ["UCI"]),
        // without the regex module, as wgctl is built: TextSearchTests then test UplinkCore's own search
        .testTarget(name: "UplinkCoreTests", dependencies: ["UplinkCore", "UCI"], swiftSettings: withoutRegex),
        .testTarget(name: "UplinkAppTests", dependencies: ["UplinkApp", "UplinkSystem", "UplinkCore", "UCI"]),
        // Seeds and past crashes of the fuzz targets (fuzz/targets, linked in as sources).
        .testTarget(name: "FuzzRegressionTests", dependencies: ["UCI", "UplinkCore"]),
        // End to end in network namespaces (root, wireguard-go, nft): lab/scenarios/*.sh.
        .testTarget(name: "LabTests", dependencies: ["UplinkSystem"]),
    ]
)
