package io.qmesh.proxy.stats;

import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/** A Prometheus-style cumulative histogram with fixed bucket bounds; lock-free. */
public final class Histogram {

    /** Istio's buckets for istio_request_duration_milliseconds. */
    public static final double[] DURATION_MS = {0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
            30000, 60000, 300000, 600000, 1800000, 3600000};
    /** Istio's buckets for request/response sizes in bytes. */
    public static final double[] BYTES = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

    private final double[] bounds;
    private final LongAdder[] counts;
    private final DoubleAdder sum = new DoubleAdder();
    private final LongAdder count = new LongAdder();

    public Histogram(double[] bounds) {
        this.bounds = bounds;
        this.counts = new LongAdder[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    public void record(double value) {
        for (int i = 0; i < bounds.length; i++) {
            if (value <= bounds[i]) {
                counts[i].increment();
                break;
            }
        }
        sum.add(value);
        count.increment();
    }

    public double[] bounds() {
        return bounds;
    }

    /** Cumulative count of values <= bounds[i]. */
    public long cumulative(int i) {
        long c = 0;
        for (int j = 0; j <= i; j++) {
            c += counts[j].sum();
        }
        return c;
    }

    public double sum() {
        return sum.sum();
    }

    public long count() {
        return count.sum();
    }
}
