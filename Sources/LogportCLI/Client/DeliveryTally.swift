import KafkaClient
import NIOConcurrencyHelpers

/// Counts delivery outcomes reported on the producer's poll thread.
final class DeliveryTally: Sendable {
    private struct Counts {
        var delivered = 0
        var failed = 0
        var firstFailure: KafkaError?
    }

    private let counts = NIOLockedValueBox(Counts())

    var delivered: Int { counts.withLockedValue { $0.delivered } }
    var failed: Int { counts.withLockedValue { $0.failed } }
    var firstFailure: KafkaError? { counts.withLockedValue { $0.firstFailure } }

    @Sendable func record(_ result: Result<DeliveryReport, KafkaError>) {
        counts.withLockedValue { counts in
            switch result {
            case .success:
                counts.delivered += 1
            case .failure(let error):
                counts.failed += 1
                if counts.firstFailure == nil { counts.firstFailure = error }
            }
        }
    }
}
