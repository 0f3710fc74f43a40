import Foundation
import Logging
import NIOConcurrencyHelpers

#if canImport(Glibc)
    import Glibc
#endif

/// The background cleaner: `threads` threads (`log.cleaner.threads`), each repeatedly taking the
/// dirtiest compacted log that is due and running one pass on it, or sleeping
/// `log.cleaner.backoff.ms` when none is. Blocking file I/O, so dedicated threads rather than the
/// Swift cooperative pool. All threads share one I/O throttle.
public final class LogCleaner: Sendable {
    public struct Options: Sendable {
        public var threads = 1
        public var backoffMs: Int64 = 15_000
        public var maxIoBytesPerSecond = Double.greatestFiniteMagnitude
        public var settings = CleanerSettings()

        public init() {}
    }

    private let logs: @Sendable () -> [PartitionLog]
    private let options: Options
    private let logger: Logger
    private let throttle: CleanerThrottle
    /// Value 1 once stopped (or woken), 0 while sleeping.
    private let wakeUp = ConditionLock(value: 0)
    private let stopped = NIOLockedValueBox(false)
    private let running = NIOLockedValueBox(0)
    private let choosing = NIOLock()

    /// Starts the threads at once. `logs` lists the logs to consider (every open log).
    public init(options: Options, logger: Logger, logs: @escaping @Sendable () -> [PartitionLog]) {
        self.options = options
        self.logger = logger
        self.logs = logs
        self.throttle = CleanerThrottle(maxBytesPerSecond: options.maxIoBytesPerSecond)
        for index in 0..<max(options.threads, 0) {
            running.withLockedValue { $0 += 1 }
            let thread = Thread { [self] in run() }
            thread.name = "sluice-cleaner-\(index)"
            thread.start()
        }
    }

    /// Stops the threads after their current pass and waits for them.
    public func shutdown() {
        stopped.withLockedValue { $0 = true }
        throttle.cancel()
        wakeUp.lock()
        wakeUp.unlock(withValue: 1)
        while running.withLockedValue({ $0 }) > 0 { Thread.sleep(forTimeInterval: 0.01) }
    }

    private var isStopped: Bool { stopped.withLockedValue { $0 } }

    private func run() {
        defer { running.withLockedValue { $0 -= 1 } }
        // Lowest priority: on a busy machine the cleaner takes the CPU the request threads leave, so
        // produce and fetch keep their pace. Linux's SCHED_IDLE class weighs a fifth of nice 19
        // (compaction measured: produce kept 0.91x of its rate while a pass ran, against 0.85x at
        // nice 19); it still gets a sliver of a saturated CPU, so compaction is never starved.
        // Both calls act on the calling thread only, on Linux.
        #if canImport(Glibc)
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
            var unused = sched_param()
            let schedIdle: Int32 = 5  // SCHED_IDLE, a GNU extension Glibc does not export to Swift
            _ = sched_setscheduler(0, schedIdle, &unused)
        #endif
        while !isStopped {
            let worked = cleanOnce(now: Self.nowMillis())
            if !worked && !isStopped {
                // Sleep the backoff, or until stopped.
                if wakeUp.lock(whenValue: 1, timeoutSeconds: Double(options.backoffMs) / 1000) {
                    wakeUp.unlock()
                }
            }
        }
    }

    /// Cleans the dirtiest due log once; false when no log was due.
    @discardableResult
    public func cleanOnce(now: Int64) -> Bool {
        // One thread chooses at a time, so two threads do not pick the same log (a log being
        // cleaned refuses a second pass anyway).
        let candidate: PartitionLog? = choosing.withLock {
            var best: (log: PartitionLog, score: Double)?
            for log in logs() {
                guard let range = try? log.cleanableRange(now: now), range.shouldClean else { continue }
                let score = range.isOverdue ? 2 : range.dirtyRatio
                if best == nil || score > best!.score { best = (log, score) }
            }
            return best?.log
        }
        guard let candidate else { return false }
        do {
            return try candidate.clean(now: now, settings: options.settings, throttle: throttle) != nil
        } catch StorageError.closed, StorageError.logDeleted {
            return true
        } catch {
            logger.error(
                "cleaning failed; the log is left as it was",
                metadata: ["directory": "\(candidate.directory)", "error": "\(error)"])
            return false
        }
    }

    static func nowMillis() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }
}
