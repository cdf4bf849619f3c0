package io.qmesh.proxy.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One request's use of an aggregate cluster ({@code envoy.clusters.aggregate}): for each attempt, the child
 * cluster it goes to. The children are the aggregate's priority levels in order and share traffic by
 * {@link PriorityLoad}. With the route's {@code envoy.retry_priorities.previous_priorities} retry priority,
 * after every {@code update_frequency} attempts the levels attempted so far are excluded (their health
 * counts as 0) and the load is computed again; once no level with health is left, the exclusions are
 * reset, as Envoy's PreviousPrioritiesRetryPriority does. Confined to the request's event loop.
 */
public final class AggregateSelection {

    private final UpstreamCluster aggregate;
    private final int updateFrequency;
    private final List<Integer> attempted = new ArrayList<>(2);
    private final boolean[] excluded;
    private int lastLevel = -1;

    /** @param updateFrequency the retry policy's previous_priorities update_frequency, 0 = no retry priority */
    public AggregateSelection(UpstreamCluster aggregate, int updateFrequency) {
        this.aggregate = aggregate;
        this.updateFrequency = updateFrequency;
        this.excluded = new boolean[aggregate.aggregateClusters().size()];
    }

    /**
     * The child cluster for the next attempt, or null when none of the children exists in this config.
     *
     * @param percentile uniformly random in [0, 100)
     */
    public UpstreamCluster choose(Map<String, UpstreamCluster> clusters, int percentile) {
        List<String> names = aggregate.aggregateClusters();
        UpstreamCluster[] children = new UpstreamCluster[names.size()];
        int[] health = new int[names.size()];
        boolean any = false;
        for (int i = 0; i < names.size(); i++) {
            UpstreamCluster c = clusters.get(names.get(i));
            // Envoy skips children it does not know, and an aggregate cannot nest another one.
            if (c != null && !c.aggregate()) {
                children[i] = c;
                health[i] = PriorityLoad.health(c.loadBalancer().endpoints());
                any = true;
            }
        }
        if (!any) {
            return null;
        }
        if (updateFrequency > 0 && !attempted.isEmpty() && attempted.size() % updateFrequency == 0) {
            attempted.forEach(level -> excluded[level] = true);
            attempted.clear();
        }
        int[] effective = health.clone();
        boolean left = false;
        for (int i = 0; i < effective.length; i++) {
            if (excluded[i]) {
                effective[i] = 0;
            }
            left |= effective[i] > 0;
        }
        if (!left) {
            java.util.Arrays.fill(excluded, false); // nothing healthy left: start again from the original load
            effective = health;
        }
        int level = PriorityLoad.pick(PriorityLoad.load(effective), percentile);
        if (children[level] == null) {
            level = firstPresent(children);
        }
        attempted.add(level);
        lastLevel = level;
        return children[level];
    }

    /** Whether the last chosen child is a fallback, i.e. not the aggregate's first cluster. */
    public boolean lastWasFallback() {
        return lastLevel > 0;
    }

    public UpstreamCluster aggregate() {
        return aggregate;
    }

    private static int firstPresent(UpstreamCluster[] children) {
        for (int i = 0; i < children.length; i++) {
            if (children[i] != null) {
                return i;
            }
        }
        return 0;
    }
}
