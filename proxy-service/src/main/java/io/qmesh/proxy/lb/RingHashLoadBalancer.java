package io.qmesh.proxy.lb;

import java.util.Arrays;
import java.util.List;

/**
 * Envoy's RING_HASH (Ketama-style consistent hashing): every endpoint owns a number of points on a
 * 64-bit ring proportional to its weight (at least {@code minRingSize} points in total); a request
 * goes to the first point at or after its hash. Adding or removing one endpoint moves only ~1/n keys.
 */
public final class RingHashLoadBalancer extends AbstractLoadBalancer {

    private final long[] ringHashes;
    private final LbEndpoint[] ringHosts;

    public RingHashLoadBalancer(List<LbEndpoint> endpoints, RandomSource random, int minRingSize, int maxRingSize) {
        super(endpoints, random);
        int n = eligible.size();
        long totalWeight = eligible.stream().mapToLong(e -> Math.max(1, e.weight())).sum();
        int ringSize = n == 0 ? 0 : (int) Math.min(maxRingSize, Math.max(minRingSize, totalWeight));
        long[] hashes = new long[ringSize + n];
        LbEndpoint[] hosts = new LbEndpoint[ringSize + n];
        int k = 0;
        double perWeight = n == 0 ? 0 : (double) ringSize / totalWeight;
        for (LbEndpoint e : eligible) {
            int points = Math.max(1, (int) Math.round(perWeight * Math.max(1, e.weight())));
            for (int i = 0; i < points && k < hashes.length; i++) {
                hashes[k] = Hashing.hash64(e.hostPort() + "_" + i);
                hosts[k] = e;
                k++;
            }
        }
        Integer[] order = new Integer[k];
        for (int i = 0; i < k; i++) {
            order[i] = i;
        }
        long[] h = hashes;
        Arrays.sort(order, (x, y) -> Long.compareUnsigned(h[x], h[y]));
        ringHashes = new long[k];
        ringHosts = new LbEndpoint[k];
        for (int i = 0; i < k; i++) {
            ringHashes[i] = hashes[order[i]];
            ringHosts[i] = hosts[order[i]];
        }
    }

    @Override
    protected LbEndpoint pickOnce(Long hash) {
        long h = hash != null ? hash : Hashing.mix(random.nextDouble() > 0.5 ? random.nextInt(Integer.MAX_VALUE)
                : -random.nextInt(Integer.MAX_VALUE));
        int lo = 0;
        int hi = ringHashes.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(ringHashes[mid], h) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return ringHosts[lo == ringHashes.length ? 0 : lo];
    }
}
