package io.qmesh.proxy.cluster;

import java.util.List;
import java.util.Map;

/**
 * One request's use of an aggregate cluster ({@code envoy.clusters.aggregate}): for each attempt, the child
 * cluster it goes to. The children are the aggregate's priority levels in order and share traffic by
 * {@link PriorityLoad}. With the route's {@code envoy.retry_priorities.previous_priorities} retry priority,
 * after every {@code update_frequency} attempts the levels attempted so far are excluded (their health
 * counts as 0) and the load is computed again; once no level with health is left, the exclusions are
 * reset, as Envoy's PreviousPrioritiesRetryPriority does. Confined to the request's event loop.
 *
 * <p>Every request through a FallbackPolicy's route pays for this, so the common case is cheap: while
 * nothing is excluded and the first child is fully healthy, it takes all the load and nothing is
 * allocated or computed for the other levels.
 */
public final class AggregateSelection {

    /** Levels are tracked as bits of a long; the cluster translator NACKs aggregates with more children. */
    public static final int MAX_LEVELS = Long.SIZE;

    private final UpstreamCluster aggregate;
    private final int updateFrequency;
    private long excluded;
    private long attempted;
    private int attemptsSinceUpdate;
    private int lastLevel = -1;

    /** @param updateFrequency the retry policy's previous_priorities update_frequency, 0 = no retry priority */
    public AggregateSelection(UpstreamCluster aggregate, int updateFrequency) {
        this.aggregate = aggregate;
        this.updateFrequency = updateFrequency;
    }

    /**
     * The child cluster for the next attempt, or null when none of the children exists in this config.
     *
     * @param percentile uniformly random in [0, 100)
     */
    public UpstreamCluster choose(Map<String, UpstreamCluster> clusters, int percentile) {
        if (updateFrequency > 0 && attemptsSinceUpdate == updateFrequency) {
            excluded |= attempted;
            attempted = 0;
            attemptsSinceUpdate = 0;
        }
        List<String> names = aggregate.aggregateClusters();
        if (excluded == 0) {
            UpstreamCluster first = child(clusters, names.get(0));
            if (first != null && PriorityLoad.health(first) == PriorityLoad.FULL) {
                return chosen(0, first);
            }
        }
        UpstreamCluster[] children = new UpstreamCluster[names.size()];
        int[] health = new int[names.size()];
        int[] effective = new int[names.size()];
        boolean any = false;
        boolean left = false;
        for (int i = 0; i < names.size(); i++) {
            children[i] = child(clusters, names.get(i));
            if (children[i] != null) {
                health[i] = PriorityLoad.health(children[i]);
                any = true;
            }
            effective[i] = (excluded & (1L << i)) != 0 ? 0 : health[i];
            left |= effective[i] > 0;
        }
        if (!any) {
            return null;
        }
        if (!left) {
            excluded = 0; // nothing healthy left: start again from the original load
            effective = health;
        }
        int level = PriorityLoad.pick(PriorityLoad.load(effective), percentile);
        if (children[level] == null) {
            level = firstPresent(children);
        }
        return chosen(level, children[level]);
    }

    /** Whether the last chosen child is a fallback, i.e. not the aggregate's first cluster. */
    public boolean lastWasFallback() {
        return lastLevel > 0;
    }

    public UpstreamCluster aggregate() {
        return aggregate;
    }

    private UpstreamCluster chosen(int level, UpstreamCluster child) {
        attempted |= 1L << level;
        attemptsSinceUpdate++;
        lastLevel = level;
        return child;
    }

    /** The child of that name, or null: Envoy skips children it does not know, and an aggregate cannot nest another. */
    private static UpstreamCluster child(Map<String, UpstreamCluster> clusters, String name) {
        UpstreamCluster c = clusters.get(name);
        return c == null || c.aggregate() ? null : c;
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
