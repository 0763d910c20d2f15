import CRdKafka

extension KafkaConfig {
    /// Builds librdkafka's configuration object; the caller owns it until `rd_kafka_new` takes it.
    func makeNativeConfig() throws(KafkaError) -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(code: .invalidArgument, message: "librdkafka could not allocate a configuration")
        }
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            var message = ErrorTextBuffer()
            if rd_kafka_conf_set(conf, key, value, &message.bytes, message.bytes.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(
                    code: .invalidArgument, message: message.text, context: "setting client property \(key)=\(value)")
            }
        }
        return conf
    }
}
