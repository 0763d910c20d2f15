import Foundation
import Testing
@testable import LogAgent

@Suite struct AgentConfigTests {
    static let examplePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../examples/agent/nginx.yaml").standardized.path

    @Test func nginxExampleLoadsWithItsEnvironment() throws {
        let config = try AgentConfig.load(path: Self.examplePath, environment: [
            "LOG_PATH": "/var/log/nginx/access.log", "TOPIC": "nginx-access", "KAFKA_BOOTSTRAP": "10.1.0.5:9092,10.1.0.6:9092",
            "AGENT_DATA_DIR": "/tmp/agent-state",
        ])
        #expect(config.dataDirectory == "/tmp/agent-state")
        #expect(config.sources.map(\.name) == ["nginx_access"])
        guard case .file(let file) = try #require(config.sources.first).settings else {
            Issue.record("expected a file source")
            return
        }
        #expect(file.tailer.discovery.include == ["/var/log/nginx/access.log"])
        #expect(file.tailer.checkpointPath == "/tmp/agent-state/checkpoints/nginx_access.json")
        #expect(file.tailer.readFrom == .beginning)
        #expect(config.transforms.map(\.name) == ["parse_nginx", "tag"])
        #expect(config.transforms.map(\.inputs) == [["nginx_access"], ["parse_nginx"]])
        let sink = try #require(config.sinks.first)
        #expect(sink.name == "kafka")
        #expect(sink.inputs == ["tag"])
        guard case .kafka(let kafka) = sink.settings else {
            Issue.record("expected a kafka sink")
            return
        }
        var expected = KafkaSinkConfig(bootstrapServers: ["10.1.0.5:9092", "10.1.0.6:9092"], topic: try TopicTemplate("nginx-access"))
        expected.keyField = .field(["client"])
        expected.compression = .zstd
        expected.buffer.maximumBytes = 67_108_864
        #expect(kafka == expected)

        // The configured transforms turn an access line into the event the sink will key by client.
        var event = LogEvent(timestamp: 0, host: "web-1", source: "/var/log/nginx/access.log",
                             message: #"192.0.2.7 - - [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.1" 404 12 "-" "curl/8""#)
        for var transform in config.transforms.map(\.settings) {
            let transformed = transform.apply(event)
            event = try #require(transformed)
        }
        #expect(kafka.key(for: event) == Array("192.0.2.7".utf8))
        #expect(kafka.topic.render(event) == "nginx-access")
        #expect(String(decoding: EventEncoding.json.encode(event), as: UTF8.self) == #"{"timestamp":"2000-10-10T20:55:36.000Z","host":"web-1","source":"/var/log/nginx/access.log","service":"nginx","severity":"warning","message":"192.0.2.7 - - [10/Oct/2000:13:55:36 -0700] \"GET /a HTTP/1.1\" 404 12 \"-\" \"curl/8\"","fields":{"bytes":12,"client":"192.0.2.7","env":"production","method":"GET","path":"/a","protocol":"HTTP/1.1","request":"GET /a HTTP/1.1","status":404,"user_agent":"curl/8"}}"#)
    }

    @Test func everyComponentTypeParses() throws {
        let config = try AgentConfig.parse(yaml: """
            data_dir: /tmp/x
            host: agent-7
            drain_timeout_ms: 5000
            sources:
              app:
                type: file
                include: [/var/log/app/*.log]
                exclude: /var/log/app/*.gz
                read_from: end
                fingerprint_bytes: 512
                multiline: {start_pattern: '^\\d{4}-', timeout_ms: 500, max_lines: 50}
              sys: {type: syslog, mode: tcp, address: "127.0.0.1:5514", timezone: Europe/Berlin}
              in: {type: stdin}
            transforms:
              json: {type: parse_json, inputs: [app], target: body}
              kv: {type: parse_logfmt, inputs: [in]}
              re: {type: parse_regex, inputs: [sys], pattern: '(?<word>\\w+)'}
              ts: {type: parse_timestamp, inputs: [json], field: body.time, formats: [rfc3339, "%d/%m/%Y %T"], timezone: "+02:00"}
              lvl: {type: map_severity, inputs: [ts], field: body.level, mapping: {W: warning, E: error}, fallback: info}
              noisy: {type: filter, inputs: [lvl, kv, re], drop_if: [{field: path, equals: /healthz}, {field: status, less_than: 400}]}
              few: {type: sample, inputs: [noisy], rate: 10, key_field: request_id, exclude: {severity_at_least: warning}}
              tag: {type: enrich, inputs: [few], add_fields: {env: prod, shard: 3}, host_field: agent_host}
            sinks:
              out: {type: console, inputs: [tag], encoding: raw}
              kafka: {type: kafka, inputs: [tag], bootstrap_servers: ["b1:9092"], topic: "logs-{{service}}", acks: 1, priority: high, headers: false, buffer: {type: disk, max_bytes: 1048576}}
            """)
        #expect(config.host == "agent-7")
        #expect(config.drainTimeoutMs == 5000)
        #expect(config.sources.map(\.type) == ["file", "syslog", "stdin"])
        #expect(config.transforms.map(\.type) == ["parse_json", "parse_logfmt", "parse_regex", "parse_timestamp", "map_severity",
                                                  "filter", "sample", "enrich"])
        if case .syslog(let syslog) = config.sources[1].settings {
            #expect(syslog.transport == .tcp)
            #expect(syslog.host == "127.0.0.1")
            #expect(syslog.port == 5514)
        } else {
            Issue.record("expected syslog")
        }
        if case .file(let file) = config.sources[0].settings {
            #expect(file.tailer.readFrom == .end)
            #expect(file.tailer.discovery.exclude == ["/var/log/app/*.gz"])
            #expect(file.tailer.multiline?.maximumLines == 50)
            #expect(file.tailer.multiline?.startPattern.matches("2024-01-01 x") == true)
        } else {
            Issue.record("expected file")
        }
        guard case .kafka(let kafka) = config.sinks[1].settings else {
            Issue.record("expected kafka")
            return
        }
        #expect(kafka.acks == .leader)
        #expect(kafka.priority == .high)
        #expect(kafka.sendsHeaders == false)
        #expect(kafka.buffer == .init(kind: .disk, maximumBytes: 1_048_576))
        #expect(kafka.topic.render(LogEvent(timestamp: 0, host: "h", source: "s", service: "pay/ments", message: "m")) == "logs-pay_ments")
        #expect(kafka.topic.render(LogEvent(timestamp: 0, host: "h", source: "s", message: "m")) == nil)
        #expect(config.sinks[0].settings == .console(ConsoleSinkConfig(encoding: .raw)))
    }

    /// Each broken configuration must be reported with the file, the line, the component and
    /// the field, so an operator can go straight to the mistake.
    @Test(arguments: [
        ("sources:\n  a: {type: stdin}\nsinks:\n  k:\n    type: kafka\n    inputs: [a]\n    bootstrap_servers: b:9092\n    topic: t\n    acks: 2\n",
         "agent.yaml:9: sinks.k.acks: expected one of 0, 1, all, -1, got \"2\""),
        ("sources:\n  a: {type: stdin}\nsinks:\n  k:\n    type: kafka\n    inputs: [a]\n    bootstrap_servers: b:9092\n    topic: t\n    headers: some\n",
         "agent.yaml:9: sinks.k.headers: expected true or false, got \"some\""),
        ("sources:\n  a: {type: stdin}\nsinks:\n  k:\n    type: console\n    inputs: [a]\n    encodnig: raw\n",
         "agent.yaml:7: sinks.k.encodnig: unknown option (known here: encoding, inputs, type)"),
        ("sources:\n  a: {type: stdin}\nsinks:\n  k:\n    type: console\n    inputs: [b]\n",
         "agent.yaml:5: sinks.k.inputs: no source or transform is named \"b\""),
        ("sources:\n  a:\n    type: file\n    include: /x/*.log\n    read_from: middle\nsinks:\n  k: {type: console, inputs: [a]}\n",
         "agent.yaml:5: sources.a.read_from: expected one of beginning, end, got \"middle\""),
        ("sources:\n  a:\n    type: file\n    include: relative/*.log\nsinks:\n  k: {type: console, inputs: [a]}\n",
         "agent.yaml:4: sources.a.include: patterns must be absolute paths, got \"relative/*.log\""),
        ("sources:\n  a:\n    type: file\n    include: /x\n    multiline:\n      start_pattern: '('\nsinks:\n  k: {type: console, inputs: [a]}\n",
         nil),
        ("sources:\n  a: {type: stdin}\ntransforms:\n  t1: {type: sample, inputs: [t2], rate: 2}\n  t2: {type: sample, inputs: [t1], rate: 2}\nsinks:\n  k: {type: console, inputs: [t2]}\n",
         "agent.yaml:4: transforms.t1.inputs: the inputs form a cycle"),
        ("sources:\n  a: {type: stdin}\nsinks:\n  k:\n    type: kafka\n    inputs: [a]\n    bootstrap_servers: b:9092\n    topic: \"logs-{{service\"\n",
         "agent.yaml:8: sinks.k.topic: unterminated {{ in topic \"logs-{{service\""),
        ("sources:\n  a: {type: stdin}\nsinks:\n  k:\n    type: kafka\n    inputs: [a]\n    topic: t\n",
         "agent.yaml:5: sinks.k.bootstrap_servers: is required"),
        ("sources:\n  a: {type: stdin}\nsinks:\n  k:\n    type: kafka\n    inputs: [a]\n    bootstrap_servers: b\n    topic: t\n",
         "agent.yaml:7: sinks.k.bootstrap_servers: expected host:port entries, got \"b\""),
        ("sources:\n  a: {type: stdin}\nsinks:\n  k:\n    type: kafka\n    inputs: [a]\n    bootstrap_servers: b:1\n    topic: t\n    buffer: {type: disk, max_bytes: ten}\n",
         "agent.yaml:9: sinks.k.buffer.max_bytes: expected an integer, got \"ten\""),
        ("sources:\n  a: {type: tail}\nsinks:\n  k: {type: console, inputs: [a]}\n",
         "agent.yaml:2: sources.a.type: unknown source type \"tail\" (known: file, syslog, stdin)"),
        ("sources:\n  a: {type: stdin}\n  k: {type: stdin}\nsinks:\n  k: {type: console, inputs: [a]}\n",
         "agent.yaml:5: sinks.k: the name is already used by sources.k; names must be unique"),
        ("sources:\n  a: {type: stdin}\ntransforms:\n  f: {type: filter, inputs: [a], keep_if: {field: x, equals: 1, contains: 2}}\nsinks:\n  k: {type: console, inputs: [f]}\n",
         nil),
        ("sources:\n  a: {type: stdin\nsinks: {}\n", nil),
        ("sources:\n  a: {type: stdin}\n", "agent.yaml:1: sinks: at least one sink is required"),
    ] as [(String, String?)])
    func mistakesAreLocated(yaml: String, expected: String?) {
        do {
            _ = try AgentConfig.parse(yaml: yaml)
            Issue.record("accepted an invalid configuration")
        } catch {
            #expect(error.line != nil, "no line in \(error)")
            if let expected { #expect(error.description == expected) }
        }
    }

    @Test func plainScalarsAreTypedQuotedOnesStayText() throws {
        let config = try AgentConfig.parse(yaml: """
            sources: {in: {type: stdin}}
            transforms:
              tag:
                type: enrich
                inputs: [in]
                add_fields: {a: yes, b: Off, c: 12, d: 1.5, e: "true", f: '7', g: null, h: text}
              present:
                type: filter
                inputs: [tag]
                keep_if: [{field: a, exists: TRUE}]
            sinks: {out: {type: console, inputs: [present]}}
            """)
        let enrich = try #require(config.transforms.first?.settings as? EnrichTransform)
        #expect(enrich.addFields == ["a": true, "b": false, "c": 12, "d": 1.5, "e": "true", "f": "7", "g": .null, "h": "text"])
        #expect(throws: ConfigError.self) {
            try AgentConfig.parse(yaml: """
                sources: {in: {type: stdin}}
                transforms: {present: {type: filter, inputs: [in], keep_if: [{field: a, exists: "true"}]}}
                sinks: {out: {type: console, inputs: [present]}}
                """)
        }
    }

    @Test func invalidRegexAndConditionErrorsNameTheirField() {
        #expect(throws: ConfigError.self) { try AgentConfig.parse(yaml: "sources:\n  a: {type: stdin}\nsinks: {}\n") }
        do {
            _ = try AgentConfig.parse(yaml: "sources:\n  a:\n    type: file\n    include: /x\n    multiline:\n      start_pattern: '('\nsinks:\n  k: {type: console, inputs: [a]}\n")
        } catch {
            #expect(error.component == "sources.a")
            #expect(error.field == "multiline.start_pattern")
            #expect(error.line == 6)
        }
        do {
            _ = try AgentConfig.parse(yaml: "sources:\n  a: {type: stdin}\ntransforms:\n  f:\n    type: filter\n    inputs: [a]\n    keep_if: {field: x, equals: 1, contains: 2}\nsinks:\n  k: {type: console, inputs: [f]}\n")
        } catch {
            #expect(error.component == "transforms.f")
            #expect(error.field == "keep_if.field")
            #expect(error.line == 7)
        }
    }

    @Test func environmentInterpolation() throws {
        let text = try EnvironmentInterpolation.apply(
            to: "a: ${A}\nb: ${B:-fallback}\nc: ${EMPTY:-used}\nd: $$HOME and $5\n# ${UNSET} in a comment\ne: x${A}y${A}",
            environment: ["A": "1", "EMPTY": ""], file: "f.yaml")
        #expect(text == "a: 1\nb: fallback\nc: used\nd: $HOME and $5\n# ${UNSET} in a comment\ne: x1y1")
        #expect(throws: ConfigError(file: "f.yaml", line: 2,
                                    message: "environment variable MISSING is not set (use ${MISSING:-default} for a default)")) {
            try EnvironmentInterpolation.apply(to: "a: 1\nb: ${MISSING}", environment: [:], file: "f.yaml")
        }
        #expect(throws: ConfigError(file: "f.yaml", line: 1, message: "environment variable X contains a line break")) {
            try EnvironmentInterpolation.apply(to: "a: ${X}", environment: ["X": "1\nsinks: {}"], file: "f.yaml")
        }
        #expect(throws: ConfigError(file: "f.yaml", line: 1, message: "unterminated ${ in 'a: ${X'")) {
            try EnvironmentInterpolation.apply(to: "a: ${X", environment: [:], file: "f.yaml")
        }
    }

    @Test func exampleWithoutItsVariablesNamesTheMissingOne() {
        #expect(throws: ConfigError(file: Self.examplePath, line: 17,
                                    message: "environment variable LOG_PATH is not set (use ${LOG_PATH:-default} for a default)")) {
            try AgentConfig.load(path: Self.examplePath, environment: [:])
        }
    }
}
