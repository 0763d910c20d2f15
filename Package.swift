// swift-tools-version:6.1
import PackageDescription

/// The absolute path of this package (the linker does not run in it).
let packageDirectory = String(#filePath.dropLast("/Package.swift".count))

let package = Package(
    name: "logport",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "logport", targets: ["logport"]),
        .executable(name: "kafka-codegen", targets: ["KafkaCodegen"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // MARK: C shims
        .target(name: "CCRC32C", cSettings: [.unsafeFlags(["-O3"])]),
        // libcurl through dlopen: HTTP(S) for `logport process` sinks without linking libcurl.
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "CMalloc"),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CSnappy", pkgConfig: "snappy", providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),

        // MARK: Protocol: wire codecs, no I/O
        .target(
            name: "KafkaProtocol",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            exclude: ["Generated/README.md"]
        ),
        .target(
            name: "KafkaRecords",
            dependencies: [
                "KafkaProtocol", "CCRC32C", "CZstd", "CLZ4", "CSnappy",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ]
        ),

        // MARK: Storage: segmented partition logs on disk
        .target(
            name: "LogStorage",
            dependencies: [
                "KafkaProtocol", "KafkaRecords",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Atomics", package: "swift-atomics"),
            ]
        ),

        // MARK: Group coordination: consumer groups and committed offsets, a pure state machine
        .target(
            name: "GroupCoordination",
            dependencies: ["KafkaProtocol", "KafkaRecords", .product(name: "NIOCore", package: "swift-nio")]
        ),

        // MARK: Broker: the Kafka-wire server
        .target(
            name: "Broker",
            dependencies: [
                "KafkaProtocol", "KafkaRecords", "LogStorage", "GroupCoordination",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        // MARK: Metrics endpoint: /metrics and /health over HTTP, shared by every role
        .target(
            name: "MetricsEndpoint",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Client: async Swift over librdkafka, for any Kafka cluster
        .target(
            name: "KafkaClient",
            dependencies: [
                "CRdKafka",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Agent → Kafka: the agent's Kafka sink, at-least-once over librdkafka
        .target(
            name: "AgentKafka",
            dependencies: [
                "LogAgent", "KafkaClient",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Stream processing: windows, sketches, detectors, alerts, sinks (`logport process`)
        .target(
            name: "StreamProcessing",
            dependencies: [
                "CCurl", "JSONQuoting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),

        // MARK: Console: consumer lag verdicts and the operator web console
        .target(name: "LagHealth"),
        // JSON string quoting, one implementation for the agent and the processor.
        .target(name: "JSONQuoting"),
        .target(
            name: "Console",
            dependencies: [
                "KafkaClient", "LagHealth", "MetricsEndpoint", "StreamProcessing",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Agent: tails logs, normalizes events, ships them through a sink seam
        .target(
            name: "LogAgent",
            dependencies: [
                "CCRC32C", "JSONQuoting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        // MARK: Processor runtime: the pipeline runner over Kafka, sample data generators (`logport process`, `logport generate`)
        .target(
            name: "ProcessorRuntime",
            dependencies: [
                "StreamProcessing", "KafkaClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: CLI
        .target(
            name: "LogportCLI",
            dependencies: [
                "Broker", "LogStorage", "KafkaClient", "Console", "LogAgent", "AgentKafka", "StreamProcessing", "ProcessorRuntime",
                "MetricsEndpoint", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "logport", dependencies: ["LogportCLI"], exclude: ["agent.order"],
            // Release: the Swift runtime and Foundation linked in (no symbol binding against a dozen
            // shared libraries at start), by lld with packed relative relocations (DT_RELR, glibc
            // 2.36+: the 1.5 MB relocation table is not read at start). The idle agent maps 6 MB
            // less (34 -> 28 MiB); see benchmarks/agent_vs_rsyslog.md. Compiling main.swift with
            // -static-stdlib makes its Foundation import name the static libraries to link.
            swiftSettings: [.unsafeFlags(["-static-stdlib"], .when(configuration: .release))],
            linkerSettings: [
                .unsafeFlags(["-static-stdlib", "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                              // -static-stdlib exports every symbol of our modules (48k): the dynamic
                              // loader then reads their 4.5 MB of tables at start, for nothing.
                              "-Xlinker", "--no-export-dynamic",
                              // The agent's code packed together (see Sources/logport/agent.order).
                              "-Xlinker", "--symbol-ordering-file=\(packageDirectory)/Sources/logport/agent.order",
                              "-Xlinker", "--no-warn-symbol-ordering"],
                             .when(configuration: .release)),
            ]
        ),

        // MARK: Tools
        .target(name: "KafkaCodegenCore", dependencies: []),
        .executableTarget(name: "KafkaCodegen", dependencies: ["KafkaCodegenCore"]),

        // MARK: Tests
        .testTarget(
            name: "KafkaProtocolTests",
            dependencies: ["KafkaProtocol", "KafkaCodegenCore", .product(name: "NIOCore", package: "swift-nio")],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "KafkaRecordsTests", dependencies: ["KafkaRecords"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LogStorageTests", dependencies: ["LogStorage", .product(name: "InMemoryLogging", package: "swift-log")]),
        .testTarget(name: "GroupCoordinationTests", dependencies: ["GroupCoordination", "KafkaRecords"]),
        .testTarget(name: "AgentKafkaTests", dependencies: ["AgentKafka", "LogAgent", "KafkaClient"]),
        .testTarget(name: "StreamProcessingTests", dependencies: ["StreamProcessing"]),
        .testTarget(
            name: "ProcessorRuntimeTests",
            dependencies: ["ProcessorRuntime", "StreamProcessing", "KafkaClient", "KafkaTestSupport", .product(name: "InMemoryLogging", package: "swift-log")]
        ),
        // librdkafka's mock cluster, for tests of code over KafkaClient.
        .target(name: "KafkaTestSupport", dependencies: ["CRdKafka", "KafkaClient"], path: "Tests/KafkaTestSupport"),
        .testTarget(
            name: "KafkaClientTests",
            dependencies: ["KafkaClient", "CRdKafka", "KafkaTestSupport", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")]
        ),
        .testTarget(name: "LagHealthTests", dependencies: ["LagHealth"]),
        .testTarget(name: "LogportCLITests", dependencies: ["LogportCLI"]),
        .testTarget(
            name: "ConsoleTests",
            dependencies: [
                "Console", "KafkaClient", "StreamProcessing",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "LogAgentTests",
            dependencies: [
                "LogAgent",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "BrokerTests",
            dependencies: ["Broker", .product(name: "NIOEmbedded", package: "swift-nio")]
        ),
        .testTarget(
            name: "MetricsEndpointTests",
            dependencies: ["MetricsEndpoint", .product(name: "HummingbirdTesting", package: "hummingbird")]
        ),
    ]
)

// Release: every function of our modules in its own section, so the linker can place the code the
// agent runs next to each other (Sources/logport/agent.order) and drop what nothing calls. The
// kernel maps a binary's code in 64 KiB windows around each page executed; packed, the agent maps
// a few MiB of the all-roles binary instead of 11 (benchmarks/agent_vs_rsyslog.md).
for target in package.targets where target.type == .regular || target.type == .executable {
    guard !["CCRC32C", "CCurl", "CMalloc"].contains(target.name) else { continue }  // C shims
    target.swiftSettings = (target.swiftSettings ?? [])
        + [.unsafeFlags(["-Xfrontend", "-function-sections"], .when(configuration: .release))]
}

