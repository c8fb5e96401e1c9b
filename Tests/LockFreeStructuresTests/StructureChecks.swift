@_spi(Planted) import LockFreeStructures
import ReclaimBenchSupport
import Reclamation
import ReclaimBenchKit
import ReclaimTorture
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Structure checks, each returning what went wrong (empty: passed), so that the same code
/// passes the real structures and fails the planted ones. Every check ends by emptying the
/// structure, draining the domain and comparing retired with freed.
enum StructureChecks {
    /// After everything was retired and the threads left: drain, then retired == freed.
    static func drained<R: Reclaimer>(_ domain: R, expectRetired: UInt64? = nil) -> [String] {
        domain.drain()
        let statistics = domain.statistics
        var problems: [String] = []
        if statistics.retired != statistics.freed {
            problems.append("after drain retired \(statistics.retired) ≠ freed \(statistics.freed)")
        }
        if let expectRetired, statistics.retired != expectRetired {
            problems.append("retired \(statistics.retired) nodes, expected \(expectRetired)")
        }
        return problems
    }

    // MARK: sequential models

    /// Seeded random insert/remove/lookup on a list or map against a Dictionary.
    static func mapModel<R: Reclaimer>(
        _ make: () -> R, hashMap: Bool, fault: PlantedStructureFault = .none, operations: Int = 20_000, seed: UInt64 = 1
    ) -> [String] {
        let domain = make()
        var problems: [String] = []
        var model: [Int: Int] = [:]
        var random = SplitMix64(seed: seed)
        do {
            let participant = domain.register(slots: 3)
            let list = hashMap ? nil : HarrisMichaelList(domain: domain, payloadBytes: 0, fault: fault)
            let map = hashMap ? LockFreeHashMap(domain: domain, bucketCount: 16, fault: fault) : nil
            let keyRange = hashMap ? 256 : 64
            for step in 0..<operations where problems.count < 5 {
                let key = random.below(keyRange)
                switch random.below(4) {
                case 0:
                    let value = random.below(1_000_000)
                    let inserted = list?.insert(key, value: value, using: participant)
                        ?? map!.insert(key, value: value, using: participant)
                    let expected = model[key] == nil
                    if expected { model[key] = value }
                    if inserted != expected { problems.append("step \(step): insert(\(key)) returned \(inserted), model \(expected)") }
                case 1:
                    let removed = list?.remove(key, using: participant) ?? map!.remove(key, using: participant)
                    let expected = model.removeValue(forKey: key) != nil
                    if removed != expected { problems.append("step \(step): remove(\(key)) returned \(removed), model \(expected)") }
                default:
                    let value = list.map { $0.value(forKey: key, using: participant) } ?? map!.value(forKey: key, using: participant)
                    if value != model[key] {
                        problems.append("step \(step): value(\(key)) = \(String(describing: value)), model \(String(describing: model[key]))")
                    }
                }
                participant.quiescentState()
            }
            let keys = list?.keysQuiescent(using: participant) ?? map!.keysQuiescent(using: participant).sorted()
            if keys != model.keys.sorted() { problems.append("final keys \(keys.count) ≠ model \(model.count)") }
            if let list { list.removeAllQuiescent(using: participant) } else { map!.removeAllQuiescent(using: participant) }
        }
        return problems + drained(domain)
    }

    /// Seeded random enqueue/dequeue against an Array.
    static func queueModel<R: Reclaimer>(
        _ make: () -> R, fault: PlantedStructureFault = .none, operations: Int = 20_000, seed: UInt64 = 2
    ) -> [String] {
        let domain = make()
        var problems: [String] = []
        var model: [Int] = []
        var modelFront = 0
        var random = SplitMix64(seed: seed)
        var dequeued = 0
        do {
            let participant = domain.register(slots: 2)
            let queue = MichaelScottQueue(domain: domain, fault: fault, using: participant)
            for step in 0..<operations where problems.count < 5 {
                if random.below(2) == 0 {
                    let value = random.below(1_000_000)
                    queue.enqueue(value, using: participant)
                    model.append(value)
                } else {
                    let value = queue.dequeue(using: participant)
                    let expected = modelFront < model.count ? model[modelFront] : nil
                    if expected != nil { modelFront += 1; dequeued += 1 }
                    if value != expected {
                        problems.append("step \(step): dequeue = \(String(describing: value)), model \(String(describing: expected))")
                    }
                }
                participant.quiescentState()
            }
            let rest = queue.removeAllQuiescent(using: participant)
            if rest != Array(model[modelFront...]) { problems.append("left in the queue: \(rest.count) values ≠ model \(model.count - modelFront)") }
            dequeued += rest.count
        }
        // Every dequeue retired one node, and the dummy at the end.
        return problems + drained(domain, expectRetired: problems.isEmpty ? UInt64(dequeued + 1) : nil)
    }

    /// Seeded random read/update on a slot table against an Array.
    static func slotTableModel<R: Reclaimer>(
        _ make: () -> R, fault: PlantedStructureFault = .none, operations: Int = 20_000, seed: UInt64 = 3
    ) -> [String] {
        let domain = make()
        var problems: [String] = []
        let count = 32
        var model = Array(0..<count)
        var random = SplitMix64(seed: seed)
        var updates = 0
        do {
            let participant = domain.register(slots: 1)
            let table = SlotTable(domain: domain, count: count, fault: fault, using: participant)
            for step in 0..<operations where problems.count < 5 {
                let index = random.below(count)
                if random.below(2) == 0 {
                    let value = random.below(1_000_000)
                    let old = table.update(index, to: value, using: participant)
                    if old != model[index] { problems.append("step \(step): update(\(index)) replaced \(old), model \(model[index])") }
                    model[index] = value
                    updates += 1
                } else if table.read(index, using: participant) != model[index] {
                    problems.append("step \(step): read(\(index)) ≠ model \(model[index])")
                }
                participant.quiescentState()
            }
            table.removeAllQuiescent(using: participant)
        }
        // Each update retired the node it replaced; emptying retired one per slot.
        return problems + drained(domain, expectRetired: UInt64(updates + count))
    }

    // MARK: concurrent

    /// Threads insert and remove overlapping keys; afterwards the key sum and size match
    /// what the successful operations imply (setbench's validation).
    static func mapConcurrent<R: Reclaimer>(
        _ make: () -> R, hashMap: Bool, threads: Int = 4, operationsPerThread: Int = 20_000, keyRange: Int = 128
    ) -> [String] {
        let domain = make()
        let list = hashMap ? nil : HarrisMichaelList(domain: domain)
        let map = hashMap ? LockFreeHashMap(domain: domain, bucketCount: 8) : nil
        let keySum = Atomic<Int>(0), size = Atomic<Int>(0)
        let workers = (0..<threads).map { index in
            JoinableThread {
                let participant = domain.register(slots: 3)
                var random = SplitMix64(seed: UInt64(index) &+ 40)
                var sum = 0, count = 0
                for _ in 0..<operationsPerThread {
                    // Half the keys are shared by every thread, half are this thread's own.
                    let key = random.below(2) == 0 ? random.below(keyRange / 2)
                        : keyRange / 2 + index * keyRange + random.below(keyRange / 2)
                    switch random.below(3) {
                    case 0:
                        if list?.insert(key, value: key, using: participant) ?? map!.insert(key, value: key, using: participant) {
                            sum += key
                            count += 1
                        }
                    case 1:
                        if list?.remove(key, using: participant) ?? map!.remove(key, using: participant) {
                            sum -= key
                            count -= 1
                        }
                    default:
                        _ = list?.contains(key, using: participant) ?? map!.contains(key, using: participant)
                    }
                    participant.quiescentState()
                }
                keySum.add(sum, ordering: .relaxed)  // ORDERING: read after join
                size.add(count, ordering: .relaxed)
            }
        }
        for worker in workers { worker.join() }
        var problems: [String] = []
        do {
            let participant = domain.register(slots: 3)
            let keys = list?.keysQuiescent(using: participant) ?? map!.keysQuiescent(using: participant)
            if keys.reduce(0, +) != keySum.load(ordering: .relaxed) || keys.count != size.load(ordering: .relaxed) {
                problems.append("keys sum to \(keys.reduce(0, +)) over \(keys.count); the operations imply \(keySum.load(ordering: .relaxed)) over \(size.load(ordering: .relaxed))")
            }
            if Set(keys).count != keys.count { problems.append("duplicate keys") }
            if let list { list.removeAllQuiescent(using: participant) } else { map!.removeAllQuiescent(using: participant) }
        }
        return problems + drained(domain)
    }

    /// Producers enqueue (producer, sequence) pairs, consumers dequeue: every value exactly
    /// once, each producer's values in order.
    static func queueConcurrent<R: Reclaimer>(
        _ make: () -> R, producers: Int = 2, consumers: Int = 2, valuesPerProducer: Int = 20_000
    ) -> [String] {
        let domain = make()
        let total = producers * valuesPerProducer
        let seen = Locked<[UInt8]>([UInt8](repeating: 0, count: total))
        let problems = Locked<[String]>([])
        let received = Atomic<Int>(0)
        let queue: MichaelScottQueue<R> = {
            let participant = domain.register(slots: 2)
            return MichaelScottQueue(domain: domain, using: participant)
        }()
        let threads = (0..<producers).map { producer in
            JoinableThread {
                let participant = domain.register(slots: 2)
                for sequence in 0..<valuesPerProducer {
                    queue.enqueue(producer << 32 | sequence, using: participant)
                    participant.quiescentState()
                }
            }
        } + (0..<consumers).map { _ in
            JoinableThread {
                let participant = domain.register(slots: 2)
                var last = [Int](repeating: -1, count: producers)
                var mine: [Int] = []
                while received.load(ordering: .relaxed) < total {
                    if let value = queue.dequeue(using: participant) {
                        received.add(1, ordering: .relaxed)
                        let producer = value >> 32, sequence = value & 0xFFFF_FFFF
                        if sequence <= last[producer] {
                            problems.withLock { $0.append("producer \(producer): \(sequence) after \(last[producer])") }
                        }
                        last[producer] = sequence
                        mine.append(producer * valuesPerProducer + sequence)
                    }
                    participant.quiescentState()
                }
                seen.withLock { counts in for index in mine { counts[index] &+= 1 } }
            }
        }
        for thread in threads { thread.join() }
        var found = problems.withLock { $0 }
        let counts = seen.withLock { $0 }
        let missing = counts.filter { $0 == 0 }.count, repeated = counts.filter { $0 > 1 }.count
        if missing > 0 || repeated > 0 { found.append("\(missing) values never dequeued, \(repeated) more than once") }
        do {
            let participant = domain.register(slots: 2)
            let rest = queue.removeAllQuiescent(using: participant)
            if !rest.isEmpty { found.append("\(rest.count) values left") }
        }
        return found + drained(domain, expectRetired: UInt64(total + 1))
    }

    // MARK: planted interleaving

    /// remove(10) pauses after finding its node; meanwhile insert(20) links after it;
    /// then the remove goes on. A list that unlinks without marking loses 20.
    static func removeRacesInsert<R: Reclaimer>(_ make: () -> R, fault: PlantedStructureFault) -> [String] {
        let domain = make()
        let paused = Atomic<Bool>(false), resume = Atomic<Bool>(false), armed = Atomic<Bool>(true)
        let hook: @Sendable (StructureHookPoint) -> Void = { point in
            guard point == .removeFoundNode, armed.exchange(false, ordering: .acquiringAndReleasing) else { return }
            paused.store(true, ordering: .releasing)
            while !resume.load(ordering: .acquiring) { sched_yield() }  // spins in the guard, never blocks
        }
        let list = HarrisMichaelList(domain: domain, fault: fault, hook: hook)
        var problems: [String] = []
        do {
            let participant = domain.register(slots: 3)
            list.insert(10, value: 10, using: participant)
            list.insert(30, value: 30, using: participant)
        }
        let remover = JoinableThread {
            let participant = domain.register(slots: 3)
            list.remove(10, using: participant)
        }
        while !paused.load(ordering: .acquiring) { sched_yield() }
        do {
            let participant = domain.register(slots: 3)
            if !list.insert(20, value: 20, using: participant) { problems.append("insert(20) failed") }
        }
        resume.store(true, ordering: .releasing)
        remover.join()
        do {
            let participant = domain.register(slots: 3)
            let keys = list.keysQuiescent(using: participant)
            if keys != [20, 30] { problems.append("after remove(10) raced insert(20) the list holds \(keys), not [20, 30]") }
            list.removeAllQuiescent(using: participant)
        }
        return problems + drained(domain)
    }
}
