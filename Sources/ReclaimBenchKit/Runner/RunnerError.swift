/// A run refused or stopped, with the one line a user reads and the sysexits code.
public struct RunnerError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Code: Int32, Sendable {
        /// EX_USAGE: a bad flag or value.
        case usage = 64
        /// EX_DATAERR: bad input data (shards that do not belong together, a broken CSV).
        case data = 65
        /// EX_NOINPUT: an input folder or file is not there.
        case noInput = 66
        /// EX_CANTCREAT: the output cannot be created (exists, not writable).
        case cannotCreate = 73
        /// EX_IOERR: writing failed midway.
        case io = 74
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
