import Reclamation

/// The schemes a test suite runs over in this build: every scheme, except that a build
/// made for ThreadSanitizer (`RECLAIMBENCH_SANITIZER=thread`, see Package.swift) leaves out
/// the C libraries. TSan cannot see their happens-before edges — liburcu's call_rcu queue
/// and grace periods live in its uninstrumented shared libraries, ck's atomics are inline
/// assembly — and reported the call_rcu thread's read of a node header written before
/// call_rcu as a race. The debug, release and ASan stages check them.
public enum TestedSchemes {
    public static var all: [SchemeID] {
        excludedReason == nil ? SchemeID.allCases : SchemeID.allCases.filter { !$0.isCLibrary }
    }

    /// The C harness's schemes, where they are checked in this build.
    public static var cHarness: [SchemeID] { excludedReason == nil ? HarnessLanguage.cSchemes : [] }

    /// Why some schemes are left out of this build's tests, or nil.
    public static var excludedReason: String? {
        #if RECLAIMBENCH_THREAD_SANITIZER
        "ThreadSanitizer cannot see liburcu's or ck's synchronization (uninstrumented library, inline assembly)"
        #else
        nil
        #endif
    }
}
