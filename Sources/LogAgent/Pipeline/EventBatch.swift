/// What moves between pipeline components as one unit: the events of one emit, either still as
/// the lines a source read (`LineBlock`, from the file and stdin sources, with one receipt for the
/// block) or as `PipelineEvent`s. A component that works on events (transforms, most sinks) asks
/// for `events`; a sink that ships lines as they are reads `lines` and acknowledges the batch as
/// a whole, so raw shipping costs no event, String or receipt per line.
public struct EventBatch: Sendable {
    private enum Content: Sendable {
        case lines(LineBlock, DeliveryReceipt)
        case events([PipelineEvent])
    }

    private let content: Content

    public init(_ events: [PipelineEvent]) { content = .events(events) }

    /// Lines that `receipt` acknowledges together.
    public init(lines: LineBlock, receipt: DeliveryReceipt) { content = .lines(lines, receipt) }

    public var count: Int {
        switch content {
        case .lines(let block, _): block.count
        case .events(let events): events.count
        }
    }

    public var isEmpty: Bool { count == 0 }

    /// The lines, when the batch is a source's lines as read (no component turned them into events).
    public var lines: LineBlock? {
        if case .lines(let block, _) = content { return block }
        return nil
    }

    /// The receipts that together acknowledge the batch: the block's one for lines, one per event
    /// otherwise.
    public var receipts: [DeliveryReceipt] {
        switch content {
        case .lines(_, let receipt): [receipt]
        case .events(let events): events.map(\.receipt)
        }
    }

    /// For a sink that delivered the whole batch.
    public func acknowledgeAll() {
        switch content {
        case .lines(_, let receipt): receipt.acknowledge()
        case .events(let events): for event in events { event.receipt.acknowledge() }
        }
    }

    /// The batch as events. Lines become events (message and raw the line's text), each with a
    /// receipt of its own, so they can be dropped, routed or acknowledged one by one: acknowledged
    /// in order they move the source's checkpoint line by line. Each call hands out new receipts
    /// for the same lines; acknowledge through one set of them, or through `receipts`.
    public var events: [PipelineEvent] {
        switch content {
        case .events(let events):
            return events
        case .lines(let block, let receipt):
            let receipts = receipt.split(lineEnds: block.lines.map(\.end))
            return block.lines.indices.map { PipelineEvent(block.event(at: $0), receipt: receipts[$0]) }
        }
    }

    /// `events`, giving up the batch: the events are then the caller's alone, so a transform
    /// changing one does not copy its fields.
    consuming func takeEvents() -> [PipelineEvent] {
        events
    }

    /// `count` copies of the batch for as many consumers, their receipts split so that the
    /// original ones are acknowledged once every copy was.
    func split(into count: Int) -> [EventBatch] {
        switch content {
        case .lines(let block, let receipt):
            return receipt.split(into: count).map { EventBatch(lines: block, receipt: $0) }
        case .events(let events):
            var copies = Array(repeating: [PipelineEvent](), count: count)
            for event in events {
                for (index, part) in event.receipt.split(into: count).enumerated() {
                    copies[index].append(PipelineEvent(event.event, receipt: part))
                }
            }
            return copies.map(EventBatch.init)
        }
    }

    /// The events of a batch of events (nil for lines, which stay one block), for merging batches.
    var ownEvents: [PipelineEvent]? {
        if case .events(let events) = content { return events }
        return nil
    }

    /// A cheap estimate of the memory the batch holds, for buffer limits.
    var approximateBytes: Int {
        switch content {
        case .lines(let block, _): block.approximateBytes
        case .events(let events): events.reduce(0) { $0 + $1.event.approximateBytes }
        }
    }

    /// Bytes of message text, for metrics.
    var messageBytes: Int {
        switch content {
        case .lines(let block, _): block.textBytes
        case .events(let events): events.reduce(0) { $0 + $1.event.message.utf8.count }
        }
    }
}
