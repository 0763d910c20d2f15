import CRdKafka

extension KafkaAdmin {
    /// Every configuration entry of a topic or broker, sorted by name.
    public func describeConfigs(_ resource: ConfigResource, timeout: Duration = .seconds(10)) async throws -> [ConfigEntry] {
        let client = client
        return try await client.adminRequest("describing configs of \(resource)", timeout: timeout) { options, queue in
            var resources: [OpaquePointer?] = [resource.makeNative()]
            defer { rd_kafka_ConfigResource_destroy_array(&resources, resources.count) }
            rd_kafka_DescribeConfigs(client.handle, &resources, resources.count, options, queue)
        } parse: { event throws(KafkaError) in
            var count = 0
            let results = rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(event), &count)
            guard let result = objects(results, count: count).first else { return [] }
            try checkConfigResource(result, "describing configs of \(resource)")
            var entryCount = 0
            let entries = rd_kafka_ConfigResource_configs(result, &entryCount)
            return objects(entries, count: entryCount).map(ConfigEntry.init).sorted { $0.name < $1.name }
        }
    }

    /// Sets and removes entries of a topic's (or broker's) own configuration, keeping its other
    /// overrides. librdkafka 2.0 has only the legacy AlterConfigs, which replaces the whole override
    /// set, so this reads the current overrides first and sends the merged set.
    public func alterConfigs(
        _ resource: ConfigResource, set changes: [String: String], delete removals: Set<String> = [], timeout: Duration = .seconds(10)
    ) async throws {
        let current = try await describeConfigs(resource, timeout: timeout)
        var merged: [String: String] = [:]
        for entry in current where entry.isTopicOverride || entry.source == "DYNAMIC_BROKER_CONFIG" {
            if let value = entry.value { merged[entry.name] = value }
        }
        merged.merge(changes) { _, new in new }
        for name in removals { merged[name] = nil }
        let client = client
        let desired = merged
        try await client.adminRequest("altering configs of \(resource)", timeout: timeout) { options, queue throws(KafkaError) in
            var resources: [OpaquePointer?] = [resource.makeNative()]
            defer { rd_kafka_ConfigResource_destroy_array(&resources, resources.count) }
            for (name, value) in desired.sorted(by: { $0.key < $1.key }) {
                try client.check(rd_kafka_ConfigResource_set_config(resources[0], name, value), "setting \(name)=\(value) on \(resource)")
            }
            rd_kafka_AlterConfigs(client.handle, &resources, resources.count, options, queue)
        } parse: { event throws(KafkaError) in
            var count = 0
            let results = rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(event), &count)
            for result in objects(results, count: count) { try checkConfigResource(result, "altering configs of \(resource)") }
        }
    }
}

extension ConfigResource {
    func makeNative() -> OpaquePointer? {
        switch self {
        case .topic(let name): rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name)
        case .broker(let id): rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_BROKER, String(id))
        }
    }
}

extension ConfigEntry {
    init(_ entry: OpaquePointer) {
        self.init(
            name: string(rd_kafka_ConfigEntry_name(entry)) ?? "",
            value: string(rd_kafka_ConfigEntry_value(entry)),
            source: string(rd_kafka_ConfigSource_name(rd_kafka_ConfigEntry_source(entry))) ?? "UNKNOWN_CONFIG",
            isDefault: rd_kafka_ConfigEntry_is_default(entry) != 0,
            isReadOnly: rd_kafka_ConfigEntry_is_read_only(entry) != 0,
            isSensitive: rd_kafka_ConfigEntry_is_sensitive(entry) != 0)
    }
}

private func checkConfigResource(_ resource: OpaquePointer, _ what: String) throws(KafkaError) {
    let code = rd_kafka_ConfigResource_error(resource)
    guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
        throw KafkaError(code, message: rd_kafka_ConfigResource_error_string(resource), context: what)
    }
}
