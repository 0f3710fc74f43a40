import KafkaProtocol

/// What a client call can fail with. Broker answers keep their Kafka error code, so callers can
/// match on `ErrorCode` (and see whether Kafka calls it retriable).
public enum KafkaClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The broker answered with a Kafka error code; `context` says for what (topic, group, …).
    case broker(ErrorCode, context: String)
    /// No bootstrap server could be reached.
    case noBrokerReachable([String])
    /// The connection closed (or failed) before the answer came.
    case connectionClosed(String)
    /// The call did not finish within its timeout.
    case timedOut(String)
    /// The broker does not serve any version of an API this call needs.
    case unsupportedApi(ApiKey)
    /// The broker's answer could not be decoded or made no sense.
    case malformedResponse(String)
    /// The caller asked for something the client cannot do (bad config, closed producer, …).
    case invalidArgument(String)
    /// The producer or consumer was closed.
    case closed

    public var description: String {
        switch self {
        case .broker(let code, let context): return "\(code.name) (\(code.rawValue)) for \(context)"
        case .noBrokerReachable(let servers): return "no broker reachable at \(servers.joined(separator: ","))"
        case .connectionClosed(let peer): return "connection to \(peer) closed"
        case .timedOut(let what): return "timed out: \(what)"
        case .unsupportedApi(let key): return "broker does not serve \(key)"
        case .malformedResponse(let why): return "malformed response: \(why)"
        case .invalidArgument(let why): return "invalid argument: \(why)"
        case .closed: return "closed"
        }
    }

    /// The Kafka error code, for broker errors.
    public var errorCode: ErrorCode? {
        if case .broker(let code, _) = self { return code }
        return nil
    }

    /// Whether trying again (after a metadata refresh) may succeed.
    public var isRetriable: Bool {
        switch self {
        case .broker(let code, _): return code.isRetriable
        case .connectionClosed, .timedOut, .noBrokerReachable: return true
        default: return false
        }
    }
}
