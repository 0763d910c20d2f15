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

    /// Frames read but not yet handed to the dispatcher (one request's in-order part runs at a time).
    private var undispatched = CircularBuffer<(request: RequestFrame, reserved: Int)>()
    private var dispatching = false
    /// Responses in request order, from the oldest unwritten one; nil until the request is answered.
    private var answers = CircularBuffer<Result<EncodedResponse, any Error>?>()
    /// The request number of `answers.first`, and of the next request to dispatch.
    private var firstAnswerNumber = 0
    private var nextRequestNumber = 0
    /// Requests read whose responses are not written yet.
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
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        dispatcher.broker.metrics.connectionsOpen.decrement()
        if reservedForPartialFrame > 0 {
            budget.release(reservedForPartialFrame)
            reservedForPartialFrame = 0
        }
        // Requests read but not started are dropped (their client saw no answer and retries);
        // those already started finish and release what they hold.
        while let dropped = undispatched.popFirst() { budget.release(dropped.reserved) }
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
        undispatched.append((request, reserved))
        dispatchNext(context: context)
    }

    /// Stage 1, in arrival order: hands the oldest undispatched request to the dispatcher once the
    /// previous one's in-order part (its appends) is done.
    private func dispatchNext(context: ChannelHandlerContext) {
        guard !dispatching, !closed, let (request, reserved) = undispatched.popFirst() else { return }
        dispatching = true
        let number = nextRequestNumber
        nextRequestNumber += 1
        answers.append(nil)
        let budget = self.budget
        // The dispatcher calls back on this event loop; the loop-bound box lets the callbacks reach the handler.
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        dispatcher.dispatch(
            request, eventLoop: context.eventLoop, executor: executor!, logger: logger,
            handled: {
                budget.release(reserved)
                let (handler, context) = bound.value
                handler.dispatching = false
                handler.dispatchNext(context: context)
            },
            answered: { result in
                let (handler, context) = bound.value
                handler.answer(number, with: result, context: context)
            })
    }

    /// Stage 2, in arrival order: writes each response once it and every earlier one is ready.
    private func answer(_ number: Int, with result: Result<EncodedResponse, any Error>, context: ChannelHandlerContext) {
        answers[answers.index(answers.startIndex, offsetBy: number - firstAnswerNumber)] = result
        // Every response ready in order goes out with one flush (one write syscall for all).
        var wrote = false
        defer { if wrote { context.flush() } }
        while let first = answers.first, let ready = first {
            answers.removeFirst()
            firstAnswerNumber += 1
            finishRequest(context: context)
            switch ready {
            case .success(let encoded):
                guard !closed, !encoded.parts.isEmpty else {
                    encoded.release()
                    continue
                }
                writeParts(encoded, context: context)
                wrote = true
            case .failure(let error):
                if let closing = error as? ConnectionMustClose {
                    logger.warning("closing connection: \(closing.reason)")
                } else {
                    logger.error("closing connection: \(error)")
                }
                if wrote { context.flush() }  // what was answered before goes out before the close
                wrote = false
                close(context: context)
            }
        }
    }

    private func writeParts(_ encoded: EncodedResponse, context: ChannelHandlerContext) {
        let parts = encoded.parts
        var bytes = 0
        for part in parts { bytes += part.readableBytes }
        dispatcher.broker.metrics.bytesSent.increment(by: Int64(bytes))
        // Only a response holding file regions needs to hear when it is written.
        let promise = encoded.onWritten.map { release in
            let promise = context.eventLoop.makePromise(of: Void.self)
            promise.futureResult.whenComplete { _ in release() }
            return promise
        }
        for (index, part) in parts.enumerated() {
            context.write(wrapOutboundOut(part), promise: index == parts.count - 1 ? promise : nil)
        }
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
