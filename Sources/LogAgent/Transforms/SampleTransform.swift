/// Passes one event in `rate`. With a `keyField` the choice is a stable hash of the key's value,
/// so all events of one key (a request id, a client) are kept or dropped together, the same way
/// on every host; without one, every `rate`-th event passes, starting with the first. Events
/// matching `exclude` (e.g. errors) always pass, as do keyed events lacking the key.
public struct SampleTransform: EventTransform {
    public let rate: Int
    public let keyField: FieldPath?
    public let exclude: [FieldCondition]
    private var counter = 0

    public init(rate: Int, keyField: FieldPath? = nil, exclude: [FieldCondition] = []) {
        self.rate = max(1, rate)
        self.keyField = keyField
        self.exclude = exclude
    }

    public mutating func apply(_ event: consuming LogEvent) -> LogEvent? {
        if !exclude.isEmpty, exclude.allHold(for: event) { return event }
        if let keyField {
            guard let key = event[keyField]?.text else { return event }
            return stableHash(key.utf8) % UInt64(rate) == 0 ? event : nil
        }
        defer { counter = (counter + 1) % rate }
        return counter == 0 ? event : nil
    }
}
