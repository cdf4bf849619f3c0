package io.qmesh.proxy.lb;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Weighted round robin: a smooth weighted schedule (no bursts to the heavy host) computed once per
 * config, walked with one atomic counter.
 */
public final class RoundRobinLoadBalancer extends AbstractLoadBalancer {

    private final LbEndpoint[] schedule;
    private final AtomicLong next = new AtomicLong();

    public RoundRobinLoadBalancer(List<LbEndpoint> endpoints, RandomSource random) {
        super(endpoints, random);
        this.schedule = smoothSchedule(eligible);
        // Start at a random offset so that many proxies do not all hit the same first host.
        if (schedule.length > 0) {
            next.set(random.nextInt(schedule.length));
        }
    }

    static LbEndpoint[] smoothSchedule(List<LbEndpoint> hosts) {
        int n = hosts.size();
        if (n == 0) {
            return new LbEndpoint[0];
        }
        int gcd = 0;
        for (LbEndpoint e : hosts) {
            gcd = gcd(gcd, Math.max(1, e.weight()));
        }
        long total = 0;
        int[] w = new int[n];
        for (int i = 0; i < n; i++) {
            w[i] = Math.max(1, hosts.get(i).weight()) / gcd;
            total += w[i];
        }
        if (total > 100_000) {
            // Pathological weights: fall back to plain rotation rather than a huge table.
            return hosts.toArray(new LbEndpoint[0]);
        }
        List<LbEndpoint> out = new ArrayList<>((int) total);
        long[] current = new long[n];
        for (long k = 0; k < total; k++) {
            int best = 0;
            for (int i = 0; i < n; i++) {
                current[i] += w[i];
                if (current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            out.add(hosts.get(best));
        }
        return out.toArray(new LbEndpoint[0]);
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    @Override
    protected LbEndpoint pickOnce(Long hash) {
        return schedule[(int) Math.floorMod(next.getAndIncrement(), (long) schedule.length)];
    }
}
