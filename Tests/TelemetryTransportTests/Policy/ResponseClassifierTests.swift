import Testing
@testable import TelemetryTransport

/// What an HTTP status means for the report: delivered, retried, rejected, or a credential problem.
@Suite struct ResponseClassifierTests {
    @Test(arguments: [200, 201, 202, 204, 299])
    func twoHundredsAreDelivered(status: Int) { #expect(ResponseClassifier.classify(status: status) == .delivered) }

    @Test(arguments: [408, 429, 500, 502, 503, 504, 599])
    func transientStatusesAreRetried(status: Int) { #expect(ResponseClassifier.classify(status: status) == .retry) }

    @Test(arguments: [100, 301, 302, 307, 308, 400, 404, 405, 407, 409, 413, 422, 600])
    func otherStatusesAreRejected(status: Int) { #expect(ResponseClassifier.classify(status: status) == .rejected) }

    @Test(arguments: [401, 403])
    func credentialStatusesAreKept(status: Int) { #expect(ResponseClassifier.classify(status: status) == .credentialRejected) }
}
