/// Why a domain could not be built on this system (a scheme that needs membarrier, say).
public struct ReclaimerUnavailable: Error, CustomStringConvertible, Sendable {
    public let scheme: String
    public let reason: String
    public init(scheme: String, reason: String) {
        self.scheme = scheme
        self.reason = reason
    }
    public var description: String { "\(scheme) is unavailable here: \(reason)" }
}
