import Foundation
import Hummingbird

/// Reading path and query parameters, with 400 errors that name the parameter.
extension Request {
    /// An integer query parameter; nil when absent or empty.
    func integer<Value: FixedWidthInteger>(_ name: String, as type: Value.Type = Value.self) throws -> Value? {
        guard let text = uri.queryParameters.get(name), !text.isEmpty else { return nil }
        guard let value = Value(text) else { throw ConsoleError.badRequest("query parameter '\(name)' must be an integer, not '\(text)'") }
        return value
    }

    func text(_ name: String) -> String? {
        uri.queryParameters.get(name).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Where the message browser starts: `offset`, else `timestamp` (ms), else `time`
    /// (`YYYY-MM-DDTHH:MM[:SS]`, UTC, as a datetime-local input sends it), else the newest records.
    func browsePosition() throws -> BrowsePosition {
        if let offset = try integer("offset", as: Int64.self) { return .offset(offset) }
        if let timestamp = try integer("timestamp", as: Int64.self) { return .timestamp(timestamp) }
        if let time = text("time") {
            let withSeconds = time.count == 16 ? time + ":00" : time
            guard let date = try? Date(withSeconds + "Z", strategy: .iso8601) else {
                throw ConsoleError.badRequest("query parameter 'time' must look like 2026-01-31T13:45:00 (UTC), not '\(time)'")
            }
            return .timestamp(Int64((date.timeIntervalSince1970 * 1000).rounded()))
        }
        return .newest
    }
}

extension RequestContext {
    /// A path parameter, percent-decoded (the router leaves `%2F` and friends encoded).
    func pathParameter(_ name: String) throws -> String {
        guard let raw = parameters.get(name)?[...], let decoded = HTMLText.decodePathSegment(raw) else {
            throw ConsoleError.badRequest("the path parameter '\(name)' is missing or badly encoded")
        }
        return decoded
    }
}
