import Foundation
import Testing
@testable import TelemetryCore
import TelemetryWire

/// A facts outcome as the facts rules make it when the schema declares `declared` counters and the file holds `totals`.
private func reading(_ declared: [String], _ totals: [String: Int], status: FactsStatus = .ok) -> FactsOutcome {
    FactsOutcome(status: status, facts: status == .ok ? [:] : nil,
                 counters: status == .ok ? CounterReading(declared: declared, totals: totals) : nil)
}

private let t0 = Date(timeIntervalSince1970: 1_800_000_000)

private func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

@Suite("Counters: the rules from baselines and totals to increments")
struct CounterRulesTests {
    @Test func theFirstTotalIsABaselineOnly() {
        let step = CounterRules.step(baselines: nil, facts: reading(["flows"], ["flows": 18234]), now: t0)
        #expect(step.increments == [:], "nothing counted before telemetry was on leaves the host")
        #expect(step.sinceSec == 0)
        #expect(step.next == CounterBaselines(since: t0, totals: ["flows": 18234]))
    }

    @Test func growthIsTheDifferenceSinceTheBaseline() {
        let b = CounterBaselines(since: t0, totals: ["flows": 100, "runs": 7])
        let step = CounterRules.step(baselines: b, facts: reading(["flows", "runs"], ["flows": 512, "runs": 7]), now: at(3600.7))
        #expect(step.increments == ["flows": 412], "a counter that did not grow is left out")
        #expect(step.sinceSec == 3600)
        #expect(step.next == CounterBaselines(since: at(3600), totals: ["flows": 512, "runs": 7]), "whole seconds, as the report's timestamp")
    }

    @Test func nothingGrewIsAnEmptyObject() {
        let b = CounterBaselines(since: t0, totals: ["flows": 100])
        let step = CounterRules.step(baselines: b, facts: reading(["flows"], ["flows": 100]), now: at(60))
        #expect(step.increments == [:])
        #expect(step.sinceSec == 60)
        #expect(step.next?.since == at(60), "the baselines move with a report that carries zero increments too")
    }

    @Test func aLowerTotalIsARestartOfTheProduct() {
        let b = CounterBaselines(since: t0, totals: ["flows": 100, "runs": 50])
        let step = CounterRules.step(baselines: b, facts: reading(["flows", "runs"], ["flows": 30, "runs": 0]), now: at(10))
        #expect(step.increments == ["flows": 30], "the product counts from 0 again: the increment is the new total")
        #expect(step.next?.totals == ["flows": 30, "runs": 0])
    }

    @Test(arguments: [FactsStatus.stale, .invalid, .missing, .none])
    func aFileThatIsNotOkSendsNullAndMovesNothing(_ status: FactsStatus) {
        let b = CounterBaselines(since: t0, totals: ["flows": 100])
        let step = CounterRules.step(baselines: b, facts: reading(["flows"], ["flows": 900], status: status), now: at(10))
        #expect(step == .withheld)
        // The next fresh total carries the whole increase since the baseline.
        let fresh = CounterRules.step(baselines: b, facts: reading(["flows"], ["flows": 950]), now: at(20))
        #expect(fresh.increments == ["flows": 850])
        #expect(fresh.sinceSec == 20)
    }

    @Test func noSchemaMeansNoCounters() {
        let step = CounterRules.step(baselines: nil, facts: FactsOutcome(status: .ok, facts: ["flows": .integer(5)]), now: t0)
        #expect(step == .withheld, "without a schema a number is a fact, never a counter")
    }

    @Test func aSchemaWithoutCountersSendsNullAndForgets() {
        let none = CounterRules.step(baselines: nil, facts: reading([], [:]), now: t0)
        #expect(none == .withheld)
        let b = CounterBaselines(since: t0, totals: ["flows": 100])
        let forget = CounterRules.step(baselines: b, facts: reading([], [:]), now: at(5))
        #expect(forget.increments == nil && forget.sinceSec == nil)
        #expect(forget.next == CounterBaselines(since: at(5), totals: [:]), "counters no longer declared are forgotten")
    }

    @Test func aNewCounterStartsWithABaselineBesideTheOthers() {
        let b = CounterBaselines(since: t0, totals: ["flows": 100])
        let step = CounterRules.step(baselines: b, facts: reading(["flows", "runs"], ["flows": 110, "runs": 40]), now: at(30))
        #expect(step.increments == ["flows": 10])
        #expect(step.next?.totals == ["flows": 110, "runs": 40])
    }

    @Test func aCounterNoLongerDeclaredIsForgotten() {
        let b = CounterBaselines(since: t0, totals: ["flows": 100, "old": 5])
        let step = CounterRules.step(baselines: b, facts: reading(["flows"], ["flows": 100]), now: at(1))
        #expect(step.next?.totals == ["flows": 100])
        // Declared again later: a first total, a baseline only.
        let again = CounterRules.step(baselines: step.next, facts: reading(["flows", "old"], ["flows": 100, "old": 900]), now: at(2))
        #expect(again.increments == [:])
    }

    @Test func aDeclaredCounterTheFileLacksKeepsItsBaseline() {
        let b = CounterBaselines(since: t0, totals: ["flows": 100, "runs": 7])
        let gap = CounterRules.step(baselines: b, facts: reading(["flows", "runs"], ["flows": 120]), now: at(10))
        #expect(gap.increments == ["flows": 20])
        #expect(gap.next?.totals == ["flows": 120, "runs": 7])
        let back = CounterRules.step(baselines: gap.next, facts: reading(["flows", "runs"], ["flows": 120, "runs": 19]), now: at(20))
        #expect(back.increments == ["runs": 12], "the increase while the value was missing is carried, not lost")
    }

    @Test func aClockThatWentBackCoversZeroSeconds() {
        let b = CounterBaselines(since: at(100), totals: ["flows": 1])
        #expect(CounterRules.step(baselines: b, facts: reading(["flows"], ["flows": 2]), now: t0).sinceSec == 0)
    }

    @Test func theReportCarriesTheStepOrNull() throws {
        let report = Report(messageId: "m", type: .diagnostics, timestamp: t0, instanceId: "i", clusterId: "c",
                            agent: Agent(version: "1"), data: .diagnostics(DiagnosticsData(
                                os: OSInfo(), cpu: CPUInfo(), memory: MemoryInfo(), uptimeSec: nil, virtualization: nil,
                                container: nil, config: ConfigFeatures(compression: true, proxy: false, dryRun: false, customCA: false))))
        let carrying = report.carrying(CounterStep(increments: ["flows": 412], sinceSec: 21600, next: nil))
        let json = String(decoding: try carrying.jsonData(), as: UTF8.self)
        #expect(json.contains(#""counters":{"flows":412}"#) && json.contains(#""countersSinceSec":21600"#))
        let withheld = String(decoding: try carrying.carrying(.withheld).jsonData(), as: UTF8.self)
        #expect(withheld.contains(#""counters":null"#) && withheld.contains(#""countersSinceSec":null"#))
    }
}
