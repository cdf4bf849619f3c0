package io.qmesh.proxy.stats;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Istio's standard request metrics: istio_requests_total, istio_request_duration_milliseconds,
 * istio_request_bytes and istio_response_bytes, one series per distinct {@link RequestLabels}.
 */
public final class IstioMetrics {

    private static final class Series {
        final LongAdder requests = new LongAdder();
        final Histogram duration = new Histogram(Histogram.DURATION_MS);
        final Histogram requestBytes = new Histogram(Histogram.BYTES);
        final Histogram responseBytes = new Histogram(Histogram.BYTES);
    }

    private final ConcurrentHashMap<RequestLabels, Series> series = new ConcurrentHashMap<>();

    public void record(RequestLabels labels, double durationMillis, long requestBytes, long responseBytes) {
        Series s = series.computeIfAbsent(labels, k -> new Series());
        s.requests.increment();
        s.duration.record(durationMillis);
        s.requestBytes.record(requestBytes);
        s.responseBytes.record(responseBytes);
    }

    /** Total requests over all series whose labels satisfy {@code filter}. */
    public long requests(java.util.function.Predicate<RequestLabels> filter) {
        long total = 0;
        for (var e : series.entrySet()) {
            if (filter.test(e.getKey())) {
                total += e.getValue().requests.sum();
            }
        }
        return total;
    }

    /** Appends the metrics in Prometheus text exposition format. */
    public void writePrometheus(StringBuilder out) {
        Map<String, Series> sorted = new TreeMap<>();
        series.forEach((k, v) -> sorted.put(k.render(null), v));
        Map<String, RequestLabels> labelsByText = new TreeMap<>();
        series.keySet().forEach(k -> labelsByText.put(k.render(null), k));

        out.append("# TYPE istio_requests_total counter\n");
        sorted.forEach((labels, s) -> out.append("istio_requests_total").append(labels).append(' ')
                .append(s.requests.sum()).append('\n'));
        writeHistogram(out, "istio_request_duration_milliseconds", labelsByText, sorted, 0);
        writeHistogram(out, "istio_request_bytes", labelsByText, sorted, 1);
        writeHistogram(out, "istio_response_bytes", labelsByText, sorted, 2);
    }

    private static void writeHistogram(StringBuilder out, String name, Map<String, RequestLabels> labelsByText,
                                       Map<String, Series> sorted, int which) {
        out.append("# TYPE ").append(name).append(" histogram\n");
        sorted.forEach((text, s) -> {
            Histogram h = which == 0 ? s.duration : which == 1 ? s.requestBytes : s.responseBytes;
            RequestLabels labels = labelsByText.get(text);
            double[] bounds = h.bounds();
            for (int i = 0; i < bounds.length; i++) {
                out.append(name).append("_bucket").append(labels.render("le=\"" + formatBound(bounds[i]) + "\""))
                        .append(' ').append(h.cumulative(i)).append('\n');
            }
            out.append(name).append("_bucket").append(labels.render("le=\"+Inf\"")).append(' ')
                    .append(h.count()).append('\n');
            out.append(name).append("_sum").append(text).append(' ').append(h.sum()).append('\n');
            out.append(name).append("_count").append(text).append(' ').append(h.count()).append('\n');
        });
    }

    private static String formatBound(double b) {
        return b == Math.rint(b) ? Long.toString((long) b) : Double.toString(b);
    }
}
