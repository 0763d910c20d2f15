/// The configurations `logport up --demo` runs, as text for the ordinary loaders (`AgentConfig.parse`,
/// `PipelineConfigLoader.load`), so the demo exercises exactly what an operator's files would.
///
/// The agent's `parse_access_log` names fields `client`, `path`, `status`, `bytes`, … under `fields`; the
/// processor flattens them to `fields.client` and so on, so the pipeline renames them to the names
/// examples/pipelines/web-analytics.yaml uses, and turns nginx's `$request_time` (seconds, which
/// `parse_request_time` takes from the end of the line) into `latency_ms`.
enum DemoPipeline {
    static let topic = "web.access"
    static let group = "logport-web-analytics"

    /// Needs LOG_PATH, AGENT_DATA_DIR, KAFKA_BOOTSTRAP and TOPIC.
    static let agentYAML = #"""
        data_dir: ${AGENT_DATA_DIR}
        drain_timeout_ms: 10000
        sources:
          web_access:
            type: file
            include: ["${LOG_PATH}"]
            read_from: beginning
            poll_interval_ms: 100
        transforms:
          parse_nginx:
            type: parse_access_log
            inputs: [web_access]
          # log_format main '... "$http_user_agent" $request_time': the combined format ends before it; ICU names
          # capture groups with letters and digits only, so the field is rt.
          parse_request_time:
            type: parse_regex
            inputs: [parse_nginx]
            pattern: '" (?<rt>[0-9]+\.[0-9]+)$$'
          tag:
            type: enrich
            inputs: [parse_request_time]
            service: demo-web
        sinks:
          kafka:
            type: kafka
            inputs: [tag]
            bootstrap_servers: ${KAFKA_BOOTSTRAP}
            topic: ${TOPIC}
            key_field: client
            encoding: json
            acks: all
        """#

    /// Needs TOPIC, GROUP, WINDOW (the tumbling window, e.g. 1m), LATENESS and STORE (the SQLite file).
    static let pipelineYAML = #"""
        name: web-analytics
        source:
          topics: ["${TOPIC}"]
          group_id: ${GROUP}
          # One agent keyed by client address: each partition is in time order; allow 2 s between partitions.
          out_of_orderness: 2s
          idle_timeout: 5s
          live: true
        transforms:
          - parse: json
          - timestamp: {field: timestamp, format: iso8601}
          - rename: {from: fields.client, to: client}
          - rename: {from: fields.path, to: path}
          - rename: {from: fields.status, to: status}
          - rename: {from: fields.bytes, to: bytes}
          - derive: {field: latency_ms, from: fields.rt, op: multiply, value: 1000}
        aggregations:
          - name: traffic
            window: {tumbling: "${WINDOW}"}
            lateness: ${LATENESS}
            columns:
              page_views: count
              unique_visitors: {distinct: client, precision: 14}
              top_pages: {top: path, n: 10, capacity: 500}
              latency_p50: {percentile: latency_ms, q: 0.5}
              latency_p95: {percentile: latency_ms, q: 0.95}
              latency_p99: {percentile: latency_ms, q: 0.99}
              bytes_sent: {sum: bytes}
          - name: status_codes
            window: {tumbling: "${WINDOW}"}
            lateness: ${LATENESS}
            group_by: [status]
            columns:
              requests: count
          - name: server_errors
            window: {tumbling: "${WINDOW}"}
            lateness: ${LATENESS}
            where: {field: status, op: gte, value: 500}
            columns:
              errors: count
              top_paths: {top: path, n: 5}
        detectors:
          # The demo's error bursts (every tenth window) stand out against the usual 2–3 % of 5xx.
          - {name: error_spike, metric: server_errors.errors, ewma: {alpha: 0.2, threshold: 4, warmup: 5}}
        alerts:
          - {name: error_anomaly, detector: error_spike, anomaly: {score: 4}, cooldown: "${WINDOW}", severity: warning}
          - {name: slow_p99, metric: traffic.latency_p99, threshold: {op: ">", value: 2000}, cooldown: "${WINDOW}", severity: critical}
        notify:
          - log: {}
        sinks:
          - sqlite: {path: "${STORE}"}
        """#
}
