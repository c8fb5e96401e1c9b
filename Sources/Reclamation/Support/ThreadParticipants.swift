import CReclaimSupport

/// The chain of participant records the calling thread holds, in every domain, kept in one
/// thread-local word. Read only on slow paths: registering, leaving, and the check that a
/// blocking call is not made inside a guard. Never on a read path.
@usableFromInline
enum ThreadParticipants {
    static func add(_ record: ParticipantRecord) {
        record.threadChainNext = rs_thread_participant_chain()
        rs_set_thread_participant_chain(Unmanaged.passUnretained(record).toOpaque())
    }

    static func remove(_ record: ParticipantRecord) {
        let target = Unmanaged.passUnretained(record).toOpaque()
        var previous: ParticipantRecord?
        var current = rs_thread_participant_chain()
        while let bits = current {
            let candidate = Unmanaged<ParticipantRecord>.fromOpaque(bits).takeUnretainedValue()
            if bits == target {
                if let previous { previous.threadChainNext = candidate.threadChainNext }
                else { rs_set_thread_participant_chain(candidate.threadChainNext) }
                candidate.threadChainNext = nil
                return
            }
            previous = candidate
            current = candidate.threadChainNext
        }
        preconditionFailure("a \(record.schemeID) participant left from a thread that did not register it")
    }

    static func forEach(_ body: (ParticipantRecord) -> Void) {
        var current = rs_thread_participant_chain()
        while let bits = current {
            let record = Unmanaged<ParticipantRecord>.fromOpaque(bits).takeUnretainedValue()
            current = record.threadChainNext
            body(record)
        }
    }

    /// Traps when the calling thread is inside a guard of any domain: `operation` may
    /// block, and a grace period could wait for the caller itself.
    static func trapIfInsideGuard(_ operation: String, scheme: String) {
        forEach { record in
            if record.isInsideGuard() {
                fatalError("""
                    \(scheme).\(operation) called inside a guard of a '\(record.schemeID)' domain: it may block, and a \
                    grace period would wait for the caller itself. Leave the guard (end withGuard) first.
                    """)
            }
        }
    }

    /// The calling thread's records in the domain `identity`.
    static func records(in identity: ObjectIdentifier) -> [ParticipantRecord] {
        var found: [ParticipantRecord] = []
        forEach { if $0.domainIdentity == identity { found.append($0) } }
        return found
    }
}
