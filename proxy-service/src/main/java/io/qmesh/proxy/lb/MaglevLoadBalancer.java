package io.qmesh.proxy.lb;

import java.util.List;

/**
 * Envoy's MAGLEV: a lookup table of prime size (default 65537) filled from per-endpoint
 * permutations (Google's Maglev paper), weighted by letting heavier endpoints claim slots more often.
 * Lookup is one array index; table rebuilds on endpoint change disrupt few keys.
 */
public final class MaglevLoadBalancer extends AbstractLoadBalancer {

    private final LbEndpoint[] table;

    public MaglevLoadBalancer(List<LbEndpoint> endpoints, RandomSource random, int tableSize) {
        super(endpoints, random);
        int n = eligible.size();
        table = new LbEndpoint[n == 0 ? 0 : tableSize];
        if (n == 0) {
            return;
        }
        long[] offset = new long[n];
        long[] skip = new long[n];
        long[] next = new long[n];
        double[] weight = new double[n];
        double[] target = new double[n];
        double maxWeight = 1;
        for (LbEndpoint e : eligible) {
            maxWeight = Math.max(maxWeight, e.weight());
        }
        for (int i = 0; i < n; i++) {
            String name = eligible.get(i).hostPort();
            offset[i] = Long.remainderUnsigned(Hashing.hash64(name), tableSize);
            skip[i] = Long.remainderUnsigned(Hashing.hash64(name + "#skip"), tableSize - 1) + 1;
            weight[i] = Math.max(1, eligible.get(i).weight()) / maxWeight;
        }
        int filled = 0;
        for (int round = 0; filled < tableSize; round++) {
            for (int i = 0; i < n && filled < tableSize; i++) {
                target[i] += weight[i];
                // A host with half the max weight claims a slot every other round.
                while (target[i] >= 1 && filled < tableSize) {
                    target[i] -= 1;
                    int slot;
                    do {
                        slot = (int) ((offset[i] + next[i] * skip[i]) % tableSize);
                        next[i]++;
                    } while (table[slot] != null);
                    table[slot] = eligible.get(i);
                    filled++;
                }
            }
        }
    }

    @Override
    protected LbEndpoint pickOnce(Long hash) {
        long h = hash != null ? hash : random.nextInt(Integer.MAX_VALUE);
        return table[(int) Long.remainderUnsigned(h, table.length)];
    }
}
