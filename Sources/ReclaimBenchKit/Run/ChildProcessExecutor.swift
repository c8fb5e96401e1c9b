import CReclaimSupport
import Foundation

/// Runs each cell in a fresh child process (`<executable> cell`, the spec as JSON on
/// standard input, the result as JSON on standard output) with a fixed MALLOC_CONF: one
/// cell's caches, dirty pages and leaked memory never reach the next.
public struct ChildProcessExecutor: CellExecutor {
    public let executable: URL

    public init(executable: URL) { self.executable = executable }

    /// This process's own executable (/proc/self/exe).
    public static func currentExecutable() -> URL {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: path)
    }

    public func execute(_ spec: CellSpec) throws -> CellResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["cell"]
        var environment = ProcessInfo.processInfo.environment
        environment["MALLOC_CONF"] = Environment.cellMallocConf
        process.environment = environment
        let input = Pipe(), output = Pipe()
        // Diagnostics go to a file, not a pipe: a crashing child's backtrace can outgrow a
        // pipe's buffer while we are still reading its standard output.
        let errorsURL = FileManager.default.temporaryDirectory.appendingPathComponent("reclaim-bench-cell-\(getpid())-\(spec.index).err")
        _ = FileManager.default.createFile(atPath: errorsURL.path, contents: nil)
        let errors = try FileHandle(forWritingTo: errorsURL)
        defer {
            try? errors.close()
            try? FileManager.default.removeItem(at: errorsURL)
        }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        try input.fileHandleForWriting.write(contentsOf: JSONEncoder().encode(spec))
        try input.fileHandleForWriting.close()
        let data = Self.readToEnd(output.fileHandleForReading)
        process.waitUntilExit()
        let diagnostics = (try? Data(contentsOf: errorsURL)) ?? Data()
        if rs_interrupted() != 0 { throw CellInterrupted() }
        guard process.terminationReason == .exit, process.terminationStatus == 0,
              let result = try? JSONDecoder().decode(CellResult.self, from: data)
        else {
            var failed = CellResult()
            failed.status = .failed
            let how = process.terminationReason == .uncaughtSignal
                ? "killed by signal \(process.terminationStatus)" : "exited with \(process.terminationStatus)"
            let tail = String(decoding: diagnostics.suffix(300), as: UTF8.self)
                .replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
            failed.note = "cell process \(how)" + (tail.isEmpty ? "" : ": \(tail)")
            return failed
        }
        return result
    }

    /// Everything until end of file, retrying reads a signal interrupted: Ctrl-C reaches the
    /// child and us together, and Foundation's `readDataToEndOfFile()` traps on EINTR
    /// (a `try!` inside it), which lost the run's manifest and report.
    static func readToEnd(_ handle: FileHandle) -> Data {
        var data = Data()
        let capacity = 1 << 16
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(handle.fileDescriptor, buffer, capacity)
            if count > 0 {
                data.append(buffer.assumingMemoryBound(to: UInt8.self), count: count)
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                return data  // end of file, or an error: the child's exit status says the rest
            }
        }
    }
}
