@_exported import KafkaWire

/// A request message: knows its API key and the response type that answers it.
public protocol KafkaRequest: KafkaMessage {
    associatedtype Response: KafkaMessage
    static var apiKey: ApiKey { get }
}
