@testable import CollectorHTTP
import Testing

@Suite("The open-file limit against MaxConnections=")
struct FileDescriptorLimitTests {
    @Test func raisesTheSoftLimitAsFarAsNeededAndNoFurther() {
        #expect(FileDescriptorLimit.wanted(maxConnections: 1024, soft: 1024, hard: 524_288) == 1088)
        #expect(FileDescriptorLimit.wanted(maxConnections: 1024, soft: 1024, hard: 1024) == 1024, "never above the hard limit")
        #expect(FileDescriptorLimit.wanted(maxConnections: 100, soft: 4096, hard: 4096) == 4096, "never lowered")
    }

    @Test func theProcessLimitIsRaised() {
        let (limit, enough) = FileDescriptorLimit.raise(forConnections: 16)
        #expect(limit >= 16 + UInt64(FileDescriptorLimit.reserve))
        #expect(enough)
    }
}
