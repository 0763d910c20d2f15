import KafkaProtocol
import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// One client connection: framing, backpressure and in-order responses.
///
/// Requests are handed to the dispatcher one at a time in arrival order (so a producer's pipelined
/// batches are appended in the order it sent them), but a request whose answer must wait — an
/// acks=all produce waiting for fsync, a fetch long-polling for data — does not hold up the requests
/// behind it. Responses are written strictly in request order, as the protocol requires.
///
/// Backpressure: the handler withholds `read()` while `maxInflight` requests await their responses,
/// or while the broker-wide memory budget cannot hold the next frame.
final class KafkaConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private let dispatcher: RequestDispatcher
    private let budget: MemoryBudget
    private let maxInflight: Int
    private var logger: Logger
    private var accumulator: FrameAccumulator

    private var handlingTail: EventLoopFuture<Void>?
    private var writingTail: EventLoopFuture<Void>?
    private var inflight = 0
    /// Budget reserved for the frame being accumulated (its declared size) and not yet released.
    private var reservedForPartialFrame = 0
    private var waitingForBudget = false
    private var readHeld = false
    private var closed = false
    private var client = ClientConnection(address: "unknown")
    private var executor: EventLoopTaskExecutor?

    init(dispatcher: RequestDispatcher, budget: MemoryBudget, maxFrameBytes: Int, maxInflight: Int, logger: Logger) {
        self.dispatcher = dispatcher
        self.budget = budget
        self.maxInflight = maxInflight
        self.logger = logger
        self.accumulator = FrameAccumulator(maxFrameBytes: maxFrameBytes)
    }

    func channelActive(context: ChannelHandlerContext) {
        client = ClientConnection(address: context.remoteAddress?.description ?? "unknown")
        logger[metadataKey: "client"] = "\(client.address)"
        executor = EventLoopTaskExecutor(eventLoop: context.eventLoop)
        dispatcher.broker.metrics.connectionsAccepted.increment()
        dispatcher.broker.metrics.connectionsOpen.increment()
        handlingTail = context.eventLoop.makeSucceededVoidFuture()
        writingTail = context.eventLoop.makeSucceededVoidFuture()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        dispatcher.broker.metrics.connectionsOpen.decrement()
        if reservedForPartialFrame > 0 {
            budget.release(reservedForPartialFrame)
            reservedForPartialFrame = 0
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        dispatcher.broker.metrics.bytesReceived.increment(by: Int64(bytes.readableBytes))
        accumulator.append(&bytes)
        drainFrames(context: context)
    }

    private func drainFrames(context: ChannelHandlerContext) {
        while !closed {
            let event: FrameAccumulator.Event
            do {
                event = try accumulator.next()
            } catch {
                logger.warning("closing connection: \(error)")
                close(context: context)
                return
            }
            switch event {
            case .needMore(let declared):
                if let declared, reservedForPartialFrame == 0 {
                    guard budget.tryReserve(declared) else {
                        waitingForBudget = true
                        scheduleBudgetRetry(context: context)
                        return
                    }
                    reservedForPartialFrame = declared
                }
                return
            case .frame(let frame):
                var reserved = reservedForPartialFrame
                reservedForPartialFrame = 0
                if reserved == 0 {
                    // The whole frame arrived in one read and is already in memory: account for it,
                    // and if that overdraws the budget stop reading more until it recovers.
                    reserved = frame.readableBytes
                    if !budget.tryReserve(reserved) {
                        budget.forceReserve(reserved)
                        waitingForBudget = true
                        scheduleBudgetRetry(context: context)
                    }
                }
                handle(frame: frame, reserved: reserved, context: context)
            }
        }
    }

    private func scheduleBudgetRetry(context: ChannelHandlerContext) {
        logger.debug("request memory budget exhausted (\(budget.usedBytes) of \(budget.limit) bytes); pausing reads")
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .milliseconds(5)) {
            let (handler, context) = bound.value
            guard handler.waitingForBudget, !handler.closed else { return }
            handler.waitingForBudget = false
            handler.drainFrames(context: context)
            handler.releaseHeldRead(context: context)
        }
    }

    private func handle(frame: ByteBuffer, reserved: Int, context: ChannelHandlerContext) {
        let request: RequestFrame
        do {
            request = try RequestFrame(frame: frame, client: client)
        } catch {
            budget.release(reserved)
            logger.warning("closing connection: cannot read request header: \(error)")
            close(context: context)
            return
        }
        inflight += 1
        let eventLoop = context.eventLoop
        let dispatcher = self.dispatcher
        let logger = self.logger
        let executor = self.executor!
        let budget = self.budget
        // Callbacks below run on this event loop; the loop-bound box lets them reach the handler.
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: eventLoop)
        // Stage 1, in arrival order: the dispatcher does what must happen in order (appends) and
        // returns a future of the encoded response.
        let handled: EventLoopFuture<EventLoopFuture<EncodedResponse>> = handlingTail!.flatMap {
            dispatcher.dispatch(request, eventLoop: eventLoop, executor: executor, logger: logger)
                .always { _ in budget.release(reserved) }
        }
        handlingTail = handled.map { _ in () }.recover { _ in () }
        // Stage 2, in arrival order: write each response once it and every earlier one is ready.
        let response = handled.flatMap { $0 }
        writingTail = writingTail!.flatMap { response }.flatMap { encoded -> EventLoopFuture<Void> in
            let (handler, context) = bound.value
            handler.finishRequest(context: context)
            guard !handler.closed, !encoded.parts.isEmpty else {
                encoded.release()
                return eventLoop.makeSucceededVoidFuture()
            }
            let written = handler.writeParts(encoded.parts, context: context)
            written.whenComplete { _ in encoded.release() }
            return eventLoop.makeSucceededVoidFuture()
        }.flatMapError { error in
            let (handler, context) = bound.value
            handler.finishRequest(context: context)
            if let closing = error as? ConnectionMustClose {
                logger.warning("closing connection: \(closing.reason)")
            } else {
                logger.error("closing connection after unexpected error handling \(request.apiKeyDescription): \(error)")
            }
            handler.close(context: context)
            return eventLoop.makeSucceededVoidFuture()
        }
    }

    private func writeParts(_ parts: [IOData], context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        let promise = context.eventLoop.makePromise(of: Void.self)
        dispatcher.broker.metrics.bytesSent.increment(by: Int64(parts.reduce(0) { $0 + $1.readableBytes }))
        for (index, part) in parts.enumerated() {
            context.write(wrapOutboundOut(part), promise: index == parts.count - 1 ? promise : nil)
        }
        context.flush()
        return promise.futureResult
    }

    private func finishRequest(context: ChannelHandlerContext) {
        inflight -= 1
        releaseHeldRead(context: context)
    }

    private func releaseHeldRead(context: ChannelHandlerContext) {
        if readHeld && inflight < maxInflight && !waitingForBudget && !closed {
            readHeld = false
            context.read()
        }
    }

    func read(context: ChannelHandlerContext) {
        if inflight >= maxInflight || waitingForBudget {
            readHeld = true
        } else {
            context.read()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let ioError = error as? IOError, [ECONNRESET, EPIPE].contains(ioError.errnoCode) {
            logger.debug("connection reset by client")
        } else {
            logger.warning("closing connection: \(error)")
        }
        close(context: context)
    }

    private func close(context: ChannelHandlerContext) {
        guard !closed else { return }
        closed = true
        context.close(promise: nil)
    }
}

/// Where a request came from, for logs.
struct ClientConnection: Sendable {
    let address: String
}

/// Thrown by a handler when the protocol says to drop the connection (unknown API, bad body).
struct ConnectionMustClose: Error {
    let reason: String
}
