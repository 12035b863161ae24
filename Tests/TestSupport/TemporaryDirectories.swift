import Foundation
import Synchronization
import Testing

/// Temporary directories for tests, each removed when the test that made it ends, pass or fail: a test run leaves
/// nothing in /tmp (`make test` checks that with scripts/check-tmp). A suite opts in with the
/// `.removesTemporaryDirectories` trait; `TemporaryDirectories.make` outside of it is a test failure, so a new test
/// cannot leak one unnoticed.
public enum TemporaryDirectories {
    /// The directories made by the running test (task-local, so child tasks register into their test's list).
    @TaskLocal static var current: Registry?

    final class Registry: Sendable {
        let paths = Mutex<[String]>([])
    }

    /// A new empty directory `$TMPDIR/<prefix>-<UUID>`, removed with everything in it after the current test.
    public static func make(_ prefix: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let dir = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if let registry = current {
            registry.paths.withLock { $0.append(dir) }
        } else {
            try? FileManager.default.removeItem(atPath: dir)
            Issue.record("TemporaryDirectories.make(\"\(prefix)\") outside a suite with .removesTemporaryDirectories: it would be left behind",
                         sourceLocation: sourceLocation)
        }
        return dir
    }
}

/// The trait that removes what `TemporaryDirectories.make` made, after each test of the suite.
public struct RemovesTemporaryDirectories: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        // Suites get the trait too (it is recursive); only a test case's run makes directories.
        guard testCase != nil else { return try await function() }
        let registry = TemporaryDirectories.Registry()
        defer {
            for dir in registry.paths.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: dir) }
        }
        try await TemporaryDirectories.$current.withValue(registry) { try await function() }
    }
}

extension Trait where Self == RemovesTemporaryDirectories {
    /// Removes the directories each test made with `TemporaryDirectories.make` when it ends.
    public static var removesTemporaryDirectories: Self { Self() }
}
