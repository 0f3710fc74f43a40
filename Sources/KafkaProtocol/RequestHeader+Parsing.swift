import NIOCore

extension RequestHeader {
    /// Decodes the header at the start of a request frame, choosing the header version from the
    /// api key and version it peeks first. For an api key this code does not know, the header is
    /// read as v1 (no tagged fields) and `apiKey` is nil, so the caller can still answer with the
    /// correlation id. On return `buffer` is positioned at the request body.
    public static func parse(from buffer: inout ByteBuffer) throws -> (header: RequestHeader, apiKey: ApiKey?) {
        guard let rawKey = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: Int16.self),
            let apiVersion = buffer.getInteger(at: buffer.readerIndex + 2, endianness: .big, as: Int16.self)
        else { throw KafkaWireError.truncated }
        let apiKey = ApiKey(rawValue: rawKey)
        let headerVersion = apiKey?.requestHeaderVersion(for: apiVersion) ?? 1
        let header = try RequestHeader(from: &buffer, version: headerVersion)
        return (header, apiKey)
    }
}
