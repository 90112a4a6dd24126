// swift-tools-version:6.2
import PackageDescription

/// Every target builds in Swift 6 language mode with the same upcoming features, so that no module is looser than
/// another. `infra/dev.sh` sets `SYNC_WARNINGS_AS_ERRORS=1`, which makes the project's own warnings fail the build
/// (the lint gate) without touching the dependencies' warnings.
let strictSettings: [SwiftSetting] =
    [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
        .enableUpcomingFeature("InternalImportsByDefault"),
    ] + (Context.environment["SYNC_WARNINGS_AS_ERRORS"] == "1" ? [.treatAllWarnings(as: .error)] : [])

let package = Package(
    name: "bitrix24-sync-fleet",
    products: [
        .executable(name: "syncctl", targets: ["SyncCtl"]),
        .executable(name: "portal-sim", targets: ["PortalSim"]),
        .executable(name: "upsert-worker", targets: ["UpsertWorker"]),
        .executable(name: "delete-worker", targets: ["DeleteWorker"]),
        .executable(name: "erp-load", targets: ["ERPLoad"]),
        .executable(name: "event-gateway", targets: ["EventGatewayServer"]),
        .executable(name: "pull-worker", targets: ["PullWorker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C libraries, wrapped by system-library targets; only the three wrapper modules import them.
        .systemLibrary(name: "CRabbitMQ", pkgConfig: "librabbitmq", providers: [.apt(["librabbitmq-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        // Swift wrappers that hide every C pointer.
        .target(
            name: "AMQPClient",
            dependencies: ["CRabbitMQ", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PQClient",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "CurlHTTP",
            dependencies: [
                "CCurl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),

        // The domain: contract, messages, keys. No C, no I/O beyond reading the contract file.
        .target(
            name: "SyncCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Bitrix24",
            dependencies: ["CurlHTTP", "SyncCore"],
            swiftSettings: strictSettings
        ),
        // The composition root: environment, topology, migrations, portal registry, worker plumbing.
        .target(
            name: "FleetRuntime",
            dependencies: [
                "AMQPClient", "PQClient", "CurlHTTP", "SyncCore", "Bitrix24", "StructuredLogging",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strictSettings
        ),
        // The write path: upsert and delete processing under the retry and idempotency contract.
        .target(
            name: "WritePath",
            dependencies: [
                "FleetRuntime", "AMQPClient", "PQClient", "CurlHTTP", "Bitrix24", "SyncCore", "StructuredLogging",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // The portal's side: the event gateway (HTTP) and the pull path (fetch, mirror, echo suppression, polling).
        .target(
            name: "EventGateway",
            dependencies: [
                "FleetRuntime", "AMQPClient", "PQClient", "CurlHTTP", "Bitrix24", "SyncCore", "StructuredLogging",
                "PullPath", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PullPath",
            dependencies: [
                "FleetRuntime", "AMQPClient", "PQClient", "CurlHTTP", "Bitrix24", "SyncCore", "StructuredLogging",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // The ERP's side for demos and benchmarks: publishes scenarios and measures the fleet.
        .target(
            name: "LoadGenerator",
            dependencies: [
                "FleetRuntime", "AMQPClient", "PQClient", "CurlHTTP", "SyncCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "OperatorCommands",
            dependencies: [
                "FleetRuntime", "AMQPClient", "PQClient", "CurlHTTP", "Bitrix24", "SyncCore", "StructuredLogging",
                "PullPath", "WritePath",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "StructuredLogging",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PortalSimulator",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // Thin executables.
        .executableTarget(
            name: "SyncCtl",
            dependencies: ["OperatorCommands", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "workers/syncctl",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "PortalSim",
            dependencies: [
                "PortalSimulator", "StructuredLogging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "workers/portal-sim",
            swiftSettings: strictSettings
        ),

        .executableTarget(
            name: "UpsertWorker",
            dependencies: ["WritePath", "FleetRuntime"],
            path: "workers/upsert-worker",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "DeleteWorker",
            dependencies: ["WritePath", "FleetRuntime"],
            path: "workers/delete-worker",
            swiftSettings: strictSettings
        ),

        .executableTarget(
            name: "EventGatewayServer",
            dependencies: ["EventGateway", "FleetRuntime"],
            path: "workers/event-gateway",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "PullWorker",
            dependencies: ["PullPath", "FleetRuntime"],
            path: "workers/pull-worker",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ERPLoad",
            dependencies: ["LoadGenerator", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "workers/erp-load",
            swiftSettings: strictSettings
        ),

        // Tests: unit tests need no services; integration suites use the real broker, database and simulator.
        .target(
            name: "TestSupport",
            dependencies: [
                "AMQPClient", "CurlHTTP", "FleetRuntime", "PQClient", "PortalSimulator", "SyncCore", "WritePath",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AMQPClientTests",
            dependencies: ["AMQPClient", "TestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "PQClientTests", dependencies: ["PQClient", "TestSupport"], swiftSettings: strictSettings),
        .testTarget(
            name: "CurlHTTPTests",
            dependencies: ["CurlHTTP", "TestSupport", .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SyncCoreTests",
            dependencies: [
                "SyncCore", "StructuredLogging", "TestSupport", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "WritePathTests",
            dependencies: [
                "WritePath", "FleetRuntime", "PortalSimulator", "AMQPClient", "PQClient", "CurlHTTP", "Bitrix24",
                "SyncCore", "TestSupport", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PortalSimulatorTests",
            dependencies: [
                "PortalSimulator", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PortalSidePathTests",
            dependencies: [
                "EventGateway", "PullPath", "WritePath", "FleetRuntime", "PortalSimulator", "AMQPClient", "PQClient",
                "CurlHTTP", "Bitrix24", "SyncCore", "StructuredLogging", "OperatorCommands", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FleetControlTests",
            dependencies: [
                "WritePath", "FleetRuntime", "PortalSimulator", "AMQPClient", "PQClient", "CurlHTTP", "Bitrix24",
                "SyncCore", "OperatorCommands", "TestSupport", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "OperatorCommandsTests",
            dependencies: [
                "OperatorCommands", "WritePath", "FleetRuntime", "PortalSimulator", "AMQPClient", "PQClient",
                "CurlHTTP", "Bitrix24", "SyncCore", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
