import KafkaProtocol

/// InitProducerId: hands an idempotent producer its id and epoch. Java clients (idempotence on by
/// default since 3.0) and librdkafka with enable.idempotence call it before producing.
/// Transactional producers need the transaction coordinator, a later piece of work.
struct InitProducerIdHandler: ApiHandler {
    let versions: ClosedRange<Int16> = 0...4

    func handle(_ request: InitProducerIdRequest, context: RequestContext) async throws -> HandlerOutcome<InitProducerIdResponse> {
        if let transactionalID = request.transactionalId {
            context.logger.warning("client \(context.clientID ?? "-") asked for transactional id '\(transactionalID)'; transactions are not supported yet, use an idempotent producer")
            return .now(InitProducerIdResponse(errorCode: .transactionalIDAuthorizationFailed))
        }
        // KIP-360: a producer that already has an id may ask for its epoch to be bumped, keeping its
        // id, after a sequence error; past the last epoch it gets a fresh id.
        if request.producerId.rawValue >= 0, request.producerEpoch.rawValue >= 0, request.producerEpoch.rawValue < Int16.max - 1 {
            return .now(InitProducerIdResponse(errorCode: .none, producerId: request.producerId, producerEpoch: ProducerEpoch(request.producerEpoch.rawValue + 1)))
        }
        let broker = context.broker
        let id = try await broker.io { try broker.producerIDs.next() }
        return .now(InitProducerIdResponse(errorCode: .none, producerId: id, producerEpoch: ProducerEpoch(0)))
    }
}
