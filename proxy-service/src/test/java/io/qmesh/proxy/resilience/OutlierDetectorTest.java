package io.qmesh.proxy.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qmesh.proxy.stats.StatsRegistry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Every transition with a fake ticker: nothing here sleeps. */
class OutlierDetectorTest {

    static final String P = "cluster.c.";
    static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    final AtomicLong now = new AtomicLong(1_000 * SECOND);
    final StatsRegistry stats = new StatsRegistry();
    double roll = 0.0;
    final OutlierDetector detector = new OutlierDetector(P, stats, now::get, () -> roll);
    final HostMonitor a = new HostMonitor();
    final HostMonitor b = new HostMonitor();
    final HostMonitor c = new HostMonitor();

    /** consecutive_5xx 3, gateway 2 (enforced 100 %), interval 1 s, base 10 s, max 300 s, 100 %. */
    static OutlierDetector.Config config(int maxPercent, int enforcingGateway) {
        return new OutlierDetector.Config(3, 100, 2, enforcingGateway, SECOND, 10 * SECOND, 300 * SECOND, maxPercent);
    }

    long stat(String name) {
        return stats.get(P + "outlier_detection." + name);
    }

    void advance(long nanos) {
        now.addAndGet(nanos);
        detector.tick();
    }

    @Test
    void consecutive5xxEjectsAndASuccessBreaksTheRun() {
        detector.update(config(100, 0), List.of(a, b, c));
        detector.reportStatus(a, 500);
        detector.reportStatus(a, 500);
        detector.reportStatus(a, 200);
        detector.reportStatus(a, 500);
        detector.reportStatus(a, 500);
        assertFalse(a.ejected());
        detector.reportStatus(a, 500);
        assertTrue(a.ejected());
        assertEquals(1, detector.activeEjections());
        assertEquals(1, stat("ejections_detected_consecutive_5xx"));
        assertEquals(1, stat("ejections_enforced_consecutive_5xx"));
        assertEquals(1, stat("ejections_enforced_total"));
        assertEquals(1, stat("ejections_active"));
    }

    @Test
    void ejectionLastsBaseTimesEjectionsAndIsLiftedByTheIntervalSweep() {
        detector.update(config(100, 0), List.of(a, b, c));
        eject(a);
        advance(9 * SECOND);
        assertTrue(a.ejected());
        advance(SECOND);
        assertFalse(a.ejected(), "returns after base_ejection_time (10 s)");
        assertEquals(0, stat("ejections_active"));
        assertEquals(0, detector.activeEjections());
        // Ejected again at once: back-off 2, so 20 s this time.
        eject(a);
        assertEquals(2, a.backoff());
        advance(19 * SECOND);
        assertTrue(a.ejected());
        advance(SECOND);
        assertFalse(a.ejected());
        assertEquals(2, a.ejectionCount());
        assertEquals(2, stat("ejections_enforced_total"));
        // Healthy intervals shrink the back-off by one each.
        advance(SECOND);
        assertEquals(1, a.backoff());
        advance(SECOND);
        assertEquals(0, a.backoff());
        eject(a);
        assertEquals(1, a.backoff());
    }

    @Test
    void ejectionTimeIsCappedByMaxEjectionTime() {
        detector.update(new OutlierDetector.Config(1, 100, 5, 0, SECOND, 10 * SECOND, 25 * SECOND, 100), List.of(a, b));
        for (int i = 0; i < 5; i++) {
            detector.reportStatus(a, 500);
            assertTrue(a.ejected());
            long start = now.get();
            while (a.ejected()) {
                advance(SECOND);
            }
            assertTrue(now.get() - start <= 25 * SECOND, "capped at max(base, max_ejection_time)");
        }
        assertEquals(4, a.backoff(), "Envoy: grows while base * backoff < max + base (10 s * 4 = 40 s >= 35 s)");
    }

    @Test
    void maxEjectionPercentRefusesAndCountsOverflow() {
        detector.update(config(50, 0), List.of(a, b, c));
        eject(a); // 1/3 = 33 % <= 50 %
        for (int i = 0; i < 3; i++) {
            detector.reportStatus(b, 500);
        }
        assertFalse(b.ejected(), "2/3 = 67 % > 50 %");
        assertEquals(1, stat("ejections_overflow"));
        assertEquals(1, detector.activeEjections());
    }

    @Test
    void envoyDefaultTenPercentEjectsNoneOfThreeHosts() {
        detector.update(config(10, 0), List.of(a, b, c));
        for (int i = 0; i < 3; i++) {
            detector.reportStatus(a, 500);
        }
        assertFalse(a.ejected());
        assertEquals(1, stat("ejections_overflow"));
    }

    @Test
    void gatewayFailuresEjectOnlyWhenEnforced() {
        detector.update(config(100, 0), List.of(a, b, c));
        detector.reportStatus(a, 502);
        detector.reportStatus(a, 504);
        assertFalse(a.ejected(), "enforcing_consecutive_gateway_failure defaults to 0");
        assertEquals(1, stat("ejections_detected_consecutive_gateway_failure"));

        detector.update(config(100, 100), List.of(a, b, c));
        detector.reportLocalFailure(b, false); // connect failure = 503
        detector.reportLocalFailure(b, true);  // timeout = 504
        assertTrue(b.ejected());
        assertEquals(1, stat("ejections_enforced_consecutive_gateway_failure"));
        assertEquals(0, stat("ejections_enforced_consecutive_5xx"));
    }

    @Test
    void aPlain500BreaksTheGatewayRun() {
        detector.update(new OutlierDetector.Config(5, 100, 2, 100, SECOND, SECOND, SECOND, 100), List.of(a, b, c));
        detector.reportStatus(a, 503);
        detector.reportStatus(a, 500);
        detector.reportStatus(a, 503);
        assertFalse(a.ejected());
        detector.reportStatus(a, 503); // two gateway failures in a row
        assertTrue(a.ejected());
        assertEquals(1, stat("ejections_enforced_consecutive_gateway_failure"));
        assertEquals(0, stat("ejections_enforced_consecutive_5xx"));
    }

    @Test
    void enforcingPercentageUsesTheRandomSource() {
        detector.update(new OutlierDetector.Config(1, 40, 5, 0, SECOND, SECOND, SECOND, 100), List.of(a, b));
        roll = 0.5; // 50 >= 40: detected, not enforced
        detector.reportStatus(a, 500);
        assertFalse(a.ejected());
        assertEquals(1, stat("ejections_detected_consecutive_5xx"));
        roll = 0.3;
        detector.reportStatus(a, 500);
        assertTrue(a.ejected());
    }

    @Test
    void removingOutlierDetectionReturnsEveryHost() {
        detector.update(config(100, 0), List.of(a, b, c));
        eject(a);
        detector.update(null, List.of(a, b, c));
        assertFalse(a.ejected());
        assertEquals(0, stat("ejections_active"));
        detector.reportStatus(b, 500);
        detector.reportStatus(b, 500);
        detector.reportStatus(b, 500);
        assertFalse(b.ejected());
    }

    @Test
    void aHostLeavingTheClusterStopsCountingTowardTheEjectedShare() {
        detector.update(config(50, 0), List.of(a, b, c));
        eject(a);
        detector.update(config(50, 0), List.of(b, c));
        assertEquals(0, detector.activeEjections());
        eject(b); // 1/2 = 50 %
        assertTrue(b.ejected());
    }

    private void eject(HostMonitor h) {
        for (int i = 0; i < 3; i++) {
            detector.reportStatus(h, 500);
        }
        assertTrue(h.ejected());
    }
}
