/// The newest `capacity` elements appended, oldest first: a fixed-size ring, so a window never
/// grows however long it is fed.
public struct SampleWindow<Element: Sendable>: Sendable {
    public let capacity: Int
    private var storage: [Element] = []
    /// Where the next element goes once the ring is full: the slot of the oldest element.
    private var oldestIndex = 0

    /// A capacity below 1 is raised to 1.
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        storage.reserveCapacity(self.capacity)
    }

    public init(capacity: Int, _ elements: some Sequence<Element>) {
        self.init(capacity: capacity)
        for element in elements { append(element) }
    }

    /// Adds `element` as the newest, dropping the oldest when the window is full.
    public mutating func append(_ element: Element) {
        if storage.count < capacity {
            storage.append(element)
        } else {
            storage[oldestIndex] = element
            oldestIndex = (oldestIndex + 1) % capacity
        }
    }

    /// Oldest first.
    public var elements: [Element] {
        Array(storage[oldestIndex...] + storage[..<oldestIndex])
    }

    public var count: Int { storage.count }
    public var isFull: Bool { storage.count == capacity }
    public var isEmpty: Bool { storage.isEmpty }

    public var newest: Element? {
        guard !storage.isEmpty else { return nil }
        return storage[(oldestIndex + storage.count - 1) % storage.count]
    }
}
