import HTTPTypes
import KafkaClient

/// A request the console cannot answer, with the HTTP status it maps to and a message for the operator.
enum ConsoleError: Error, CustomStringConvertible {
    /// A bad query parameter or path: 400.
    case badRequest(String)
    /// No such topic, partition or group: 404.
    case notFound(String)

    var description: String {
        switch self {
        case .badRequest(let message), .notFound(let message): message
        }
    }
}

/// How any error a handler throws reaches the client: its HTTP status and text.
struct ErrorReply {
    let status: HTTPResponse.Status
    let message: String

    init(_ error: any Error) {
        switch error {
        case ConsoleError.badRequest(let message):
            status = .badRequest
            self.message = message
        case ConsoleError.notFound(let message):
            status = .notFound
            self.message = message
        case let error as KafkaError where error.isMissingTopic || error.code == .groupIDNotFound:
            status = .notFound
            message = error.description
        case let error as KafkaError:
            // The cluster failed or did not answer: the console itself is fine, its upstream is not.
            status = .badGateway
            message = error.description
        default:
            status = .internalServerError
            message = String(describing: error)
        }
    }
}
