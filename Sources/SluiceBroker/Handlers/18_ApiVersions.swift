import KafkaProtocol

// ApiVersions (key 18), versions 0–4. Lists every API and version range this broker serves.
// A request newer than v4 is answered by the connection itself, in the v0 format with
// UNSUPPORTED_VERSION, as Kafka does (see Connection.swift). No tagged fields are sent:
// old librdkafka releases reject ApiVersions responses that carry them.
struct ApiVersionsHandler: KafkaHandler {
    typealias Request = ApiVersionsRequest
    static let versions: ClosedRange<Int16> = 0...4

    let ranges: [(key: Int16, versions: ClosedRange<Int16>)]

    func handle(_ request: ApiVersionsRequest, context: RequestContext) throws -> HandlerReply<ApiVersionsResponse> {
        .now(Self.response(ranges: ranges, error: .none))
    }

    static func response(ranges: [(key: Int16, versions: ClosedRange<Int16>)], error: ErrorCode) -> ApiVersionsResponse
    {
        var response = ApiVersionsResponse()
        response.errorCode = error.rawValue
        response.apiKeys = ranges.map { range in
            var entry = ApiVersionsResponse.ApiVersion()
            entry.apiKey = range.key
            entry.minVersion = range.versions.lowerBound
            entry.maxVersion = range.versions.upperBound
            return entry
        }
        return response
    }
}
