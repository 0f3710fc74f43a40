import NIOCore

/// Reads the topic list of the consumer protocol's subscription metadata (ConsumerProtocolSubscription:
/// int16 version, array of string topics, …), which OffsetDelete needs to know what a group uses.
public enum ConsumerSubscription {
    public static func topics(in metadata: ByteBuffer) -> [String]? {
        var buffer = metadata
        guard buffer.readInteger(as: Int16.self) != nil, let count = buffer.readInteger(as: Int32.self), count >= 0
        else { return nil }
        var topics: [String] = []
        for _ in 0..<count {
            guard let length = buffer.readInteger(as: Int16.self), length >= 0,
                let topic = buffer.readString(length: Int(length))
            else { return nil }
            topics.append(topic)
        }
        return topics
    }
}
