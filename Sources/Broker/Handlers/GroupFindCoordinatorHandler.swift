import KafkaProtocol

/// FindCoordinator: this single broker coordinates every group (and every transactional id).
struct FindCoordinatorHandler: ApiHandler {
    let versions: ClosedRange<Int16> = 0...4

    /// FindCoordinator key types: 0 = consumer group, 1 = transactional id.
    static let knownKeyTypes: ClosedRange<Int8> = 0...1

    func handle(_ request: FindCoordinatorRequest, context: RequestContext) async throws -> HandlerOutcome<FindCoordinatorResponse> {
        let (host, port) = context.broker.config.advertisedEndpoint
        let nodeID = context.broker.nodeID
        let keyError: ErrorCode = Self.knownKeyTypes.contains(request.keyType) ? .none : .invalidRequest
        if context.apiVersion >= 4 {
            return .now(FindCoordinatorResponse(coordinators: request.coordinatorKeys.map { key in
                keyError == .none
                    ? .init(key: key, nodeId: nodeID, host: host, port: Int32(port), errorCode: .none, errorMessage: nil)
                    : .init(key: key, nodeId: BrokerID(-1), host: "", port: -1, errorCode: keyError, errorMessage: "unknown key type \(request.keyType)")
            }))
        }
        guard keyError == .none else {
            return .now(FindCoordinatorResponse(
                errorCode: keyError, errorMessage: "unknown key type \(request.keyType)", nodeId: BrokerID(-1), host: "", port: -1))
        }
        return .now(FindCoordinatorResponse(errorCode: .none, errorMessage: nil, nodeId: nodeID, host: host, port: Int32(port)))
    }
}
