// Every test has a time limit that stops it even when it never yields: Swift Testing's
// `.timeLimit` cancels a test's task, which a test spinning in a livelock (a list search
// that never ends, a grace period that never completes) never looks at, so the run would
// hang. The watchdog is a thread of its own: when a test case runs past its limit it
// prints the test's name and ends the process with exit status 1, so `swift test` fails
// instead of hanging (and scripts/test.sh's stage budget is the backstop above it).

import Foundation
import Synchronization
import Testing

/// A per-test-case time limit enforced by a watchdog thread (see the file comment).
public struct Watchdog: TestTrait, SuiteTrait, TestScoping {
    public let seconds: Int
    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        // Suites get the trait for their tests (isRecursive); a test is armed once per case.
        guard !test.isSuite, testCase != nil else { return try await function() }
        let token = WatchdogThread.shared.arm(name: test.name, seconds: seconds)
        defer { WatchdogThread.shared.disarm(token) }
        try await function()
    }
}

extension Trait where Self == Watchdog {
    /// Each test case of the suite or test must end within `seconds` (default 300: the
    /// slowest test here takes under 60 s in a debug build under ThreadSanitizer).
    public static func watchdog(seconds: Int = 300) -> Self { Watchdog(seconds: seconds) }
    public static var watchdog: Self { Watchdog(seconds: 300) }
}

/// The thread that ends the process when an armed deadline passes.
///
/// The deadlines sit behind an `NSLock` (a pthread mutex), not Swift's `Mutex`: that one's
/// futex is invisible to ThreadSanitizer, which then reports two test cases arming at
/// once as a race (it did, in CI's TSan stage).
public final class WatchdogThread: @unchecked Sendable {
    // SAFETY: `deadlines` is read and written only while `lock` is held; `next` is atomic.
    public static let shared = WatchdogThread()
    private let lock = NSLock()
    private var deadlines: [Int: (name: String, seconds: Int, deadline: ContinuousClock.Instant)] = [:]
    private let next = Atomic<Int>(0)

    private init() {
        let thread = Thread { [self] in watch() }
        thread.name = "test watchdog"
        thread.start()
    }

    /// Starts a deadline; returns the token that disarms it.
    public func arm(name: String, seconds: Int) -> Int {
        let token = next.add(1, ordering: .relaxed).newValue  // ORDERING: a unique number
        let deadline = ContinuousClock.now + .seconds(seconds)
        lock.withLock { deadlines[token] = (name, seconds, deadline) }
        return token
    }

    public func disarm(_ token: Int) { _ = lock.withLock { deadlines.removeValue(forKey: token) } }

    private func watch() {
        while true {
            Thread.sleep(forTimeInterval: 0.25)
            let now = ContinuousClock.now
            if let late = lock.withLock({ deadlines.values.first { $0.deadline < now } }) {
                FileHandle.standardError.write(Data("watchdog: test \"\(late.name)\" ran past its \(late.seconds) s time limit; ending the test run (exit 1)\n".utf8))
                exit(1)
            }
        }
    }
}
