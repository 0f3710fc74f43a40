import KafkaProtocol

/// Why a `sluice` client subcommand failed, with the exit code it ends with and a hint for the user.
///
/// Exit codes (documented in README and docs/configuration.md; sysexits(3) numbers where one fits):
/// 0 success · 1 the broker answered with a Kafka error · 64 usage (unknown subcommand, flag or
/// bad option value) · 65 bad input data (a produce line, a format template) · 66 an input file
/// cannot be read · 69 no broker reachable within `--timeout` · 75 timed out waiting for an answer.
public enum CLIFailure: Error, Sendable, Equatable {
    /// The broker answered with this Kafka error; `context` names what it was about.
    case kafka(ErrorCode, context: String)
    /// Nothing answered at these addresses within the timeout.
    case unreachable(bootstrap: String)
    /// A request was sent but its answer did not come in time.
    case timedOut(String)
    /// Input the command was given (stdin line, file content, template) is malformed.
    case badInput(String)
    /// An input file does not exist or cannot be read.
    case noInput(path: String)
    /// Something else went wrong talking to the broker (closed connection, malformed answer).
    case other(String)

    public var exitCode: Int32 {
        switch self {
        case .kafka: return 1
        case .badInput: return 65
        case .noInput: return 66
        case .unreachable: return 69
        case .timedOut: return 75
        case .other: return 1
        }
    }

    /// One line for stderr: `error: NAME: what` (the Kafka error name first, so it can be grepped).
    public var message: String {
        switch self {
        case .kafka(let code, let context): return "error: \(code.name): \(context)"
        case .unreachable(let bootstrap): return "error: cannot reach a broker at \(bootstrap)"
        case .timedOut(let what): return "error: timed out: \(what)"
        case .badInput(let why): return "error: bad input: \(why)"
        case .noInput(let path): return "error: cannot read \(path)"
        case .other(let why): return "error: \(why)"
        }
    }

    /// What the user can do about it, when there is something useful to say.
    public var hint: String? {
        switch self {
        case .kafka(let code, _): return Self.hint(for: code)
        case .unreachable:
            return "is `sluice serve` running there? Set --bootstrap or SLUICE_BOOTSTRAP to its HOST:PORT."
        case .timedOut: return "the broker is slow or overloaded; raise --timeout to wait longer."
        case .badInput, .noInput, .other: return nil
        }
    }

    /// Hints for the errors people meet from the command line.
    public static func hint(for code: ErrorCode) -> String? {
        switch code {
        case .unknownTopicOrPartition:
            return "list topics with `sluice topic list`; create one with `sluice topic create NAME`."
        case .topicAlreadyExists: return "the topic exists: `sluice topic describe NAME` shows it."
        case .invalidTopicException:
            return "topic names use letters, digits, '.', '_' and '-', at most 249 characters."
        case .invalidPartitions: return "partitions must be at least 1, and alter can only add partitions."
        case .invalidReplicationFactor: return "this broker is a single node: use --replication-factor 1."
        case .invalidConfig: return "check the config name and value (Kafka names, e.g. retention.ms=86400000)."
        case .groupIdNotFound: return "list groups with `sluice group list`."
        case .nonEmptyGroup: return "the group has active members: stop its consumers first."
        case .messageTooLarge, .recordListTooLarge:
            return "the record is larger than the topic's max.message.bytes; raise it with `sluice topic alter`."
        case .offsetOutOfRange:
            return "that offset is outside the partition's range: try --from beginning or --from end."
        case .coordinatorNotAvailable, .coordinatorLoadInProgress, .notCoordinator:
            return "the group coordinator is starting up; try again in a moment."
        default: return code.isRetriable ? "this error is temporary; try again." : nil
        }
    }

    /// The lines printed to stderr: the message and, when there is one, the hint.
    public var rendered: String {
        if let hint { return message + "\nhint: " + hint }
        return message
    }
}
