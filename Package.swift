// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "Sluice",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sluice", targets: ["sluice"]),
        .library(name: "SluiceBroker", targets: ["SluiceBroker"]),
        .library(name: "KafkaProtocol", targets: ["KafkaProtocol"]),
        .library(name: "SluiceClient", targets: ["SluiceClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // Wire primitives: varints, compact/nullable types, tagged fields, frames.
        .target(
            name: "KafkaWire",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict),
        // Generated request/response messages (see Tools/KafkaCodegen), ApiKey, ErrorCode, entity newtypes.
        .target(
            name: "KafkaProtocol",
            dependencies: ["KafkaWire", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict),
        // CRC32C with SSE4.2 / ARMv8 CRC instructions and a table fallback.
        .target(name: "CCRC32C"),
        // Compression libraries from Debian (`apt-get install libzstd-dev liblz4-dev libsnappy-dev zlib1g-dev`).
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CLZ4", path: "Sources/CLZ4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CSnappy", path: "Sources/CSnappy", providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // RecordBatch v2: parsing, validation, building, CRC32C.
        .target(
            name: "KafkaRecords",
            dependencies: [
                "KafkaWire", "CCRC32C", "CZstd", "CLZ4", "CSnappy", "CZlib",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict),
        // Segments, indexes, partition logs, recovery, retention, group-committed fsync.
        .target(
            name: "SluiceStorage",
            dependencies: [
                "KafkaRecords", "KafkaWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Consumer-group state machines: value types that take events and return records + responses.
        .target(
            name: "SluiceCoordinator",
            dependencies: [
                "KafkaProtocol", "KafkaWire",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict),
        // Listener, connection pipeline, one handler per API, metadata store, configs.
        .target(
            name: "SluiceBroker",
            dependencies: [
                "KafkaWire", "KafkaProtocol", "KafkaRecords", "SluiceStorage", "SluiceCoordinator",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // The `sluice` client subcommands' pure parts: output tables and JSON, exit codes and hints,
        // consume format templates, produce input parsing, bench reports (HdrHistogram), progress bars.
        .target(
            name: "SluiceCLI",
            dependencies: [
                "KafkaProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strict),
        // Async/await Kafka client: producer, consumer, admin. Talks to any Kafka-protocol broker.
        .target(
            name: "SluiceClient",
            dependencies: [
                "KafkaWire", "KafkaProtocol", "KafkaRecords",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // Drives the Swift client from the interop suite (Interop/test_swift_client.py).
        .executableTarget(
            name: "sluice-client-interop",
            dependencies: [
                "SluiceClient",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tools/SluiceClientInterop",
            swiftSettings: strict),
        .executableTarget(
            name: "sluice",
            dependencies: [
                "SluiceBroker", "SluiceCLI", "SluiceClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Start a broker in-process on a temp dir and a free port; golden-byte helpers.
        .target(
            name: "SluiceTestKit",
            dependencies: [
                "SluiceBroker", "KafkaProtocol", "KafkaWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "KafkaCodegen",
            path: "Tools/KafkaCodegen",
            exclude: ["amendments.json", "generate.sh"],
            swiftSettings: strict),

        .testTarget(name: "KafkaWireTests", dependencies: ["KafkaWire"], swiftSettings: strict),
        .testTarget(
            name: "KafkaProtocolTests", dependencies: ["KafkaProtocol", "KafkaWire"],
            resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(name: "KafkaRecordsTests", dependencies: ["KafkaRecords"], swiftSettings: strict),
        .testTarget(
            name: "SluiceStorageTests", dependencies: ["SluiceStorage", "KafkaRecords"], swiftSettings: strict),
        .testTarget(
            name: "SluiceCoordinatorTests", dependencies: ["SluiceCoordinator", "KafkaProtocol"],
            swiftSettings: strict),
        .testTarget(name: "SluiceCLITests", dependencies: ["SluiceCLI", "KafkaProtocol"], swiftSettings: strict),
        .testTarget(
            name: "SluiceClientTests",
            dependencies: [
                "SluiceClient", "SluiceTestKit", "SluiceBroker", "KafkaProtocol", "KafkaRecords",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "SluiceBrokerTests",
            dependencies: ["SluiceBroker", "SluiceTestKit", "KafkaProtocol", "KafkaRecords"],
            swiftSettings: strict),
    ]
)
