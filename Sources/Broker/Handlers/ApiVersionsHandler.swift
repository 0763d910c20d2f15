import KafkaProtocol

/// ApiVersions: the first request every client sends, to learn which versions it may use.
struct ApiVersionsHandler: ApiHandler {
    let versions: ClosedRange<Int16> = 0...4

    func handle(_ request: ApiVersionsRequest, context: RequestContext) async throws -> HandlerOutcome<ApiVersionsResponse> {
        .now(ApiVersionsResponse(errorCode: .none, apiKeys: Self.apiKeys(context.supportedVersions)))
    }

    static func apiKeys(_ supported: [(apiKey: Int16, versions: ClosedRange<Int16>)]) -> [ApiVersionsResponse.ApiVersion] {
        supported.map { ApiVersionsResponse.ApiVersion(apiKey: $0.apiKey, minVersion: $0.versions.lowerBound, maxVersion: $0.versions.upperBound) }
    }

    static func unsupportedVersionResponse(supported: [(apiKey: Int16, versions: ClosedRange<Int16>)]) -> ApiVersionsResponse {
        ApiVersionsResponse(errorCode: .unsupportedVersion, apiKeys: apiKeys(supported))
    }
}
