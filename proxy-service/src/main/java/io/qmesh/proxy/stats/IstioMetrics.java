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

    /** istio_tcp_* counters: opened, closed, sent bytes, received bytes. */
    private static final class TcpSeries {
        final LongAdder opened = new LongAdder();
        final LongAdder closed = new LongAdder();
        final LongAdder sent = new LongAdder();
        final LongAdder received = new LongAdder();
    }

    private final ConcurrentHashMap<RequestLabels, TcpSeries> tcp = new ConcurrentHashMap<>();

    private TcpSeries tcp(RequestLabels labels) {
        TcpSeries s = tcp.get(labels);
        return s != null ? s : tcp.computeIfAbsent(labels, k -> new TcpSeries());
    }

    public void tcpOpened(RequestLabels labels) {
        tcp(labels).opened.increment();
    }

    public void tcpClosed(RequestLabels labels) {
        tcp(labels).closed.increment();
    }

    /** Bytes sent to the downstream (Istio: istio_tcp_sent_bytes_total, from the proxy's point of view). */
    public void tcpSent(RequestLabels labels, long bytes) {
        tcp(labels).sent.add(bytes);
    }

    public void tcpReceived(RequestLabels labels, long bytes) {
        tcp(labels).received.add(bytes);
    }

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
        writeTcp(out);
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

    private void writeTcp(StringBuilder out) {
        Map<String, TcpSeries> sorted = new TreeMap<>();
        tcp.forEach((k, v) -> sorted.put(k.renderTcp(), v));
        String[] names = {"istio_tcp_connections_opened_total", "istio_tcp_connections_closed_total",
                "istio_tcp_sent_bytes_total", "istio_tcp_received_bytes_total"};
        for (int i = 0; i < names.length; i++) {
            out.append("# TYPE ").append(names[i]).append(" counter\n");
            for (var e : sorted.entrySet()) {
                TcpSeries s = e.getValue();
                long v = i == 0 ? s.opened.sum() : i == 1 ? s.closed.sum() : i == 2 ? s.sent.sum() : s.received.sum();
                out.append(names[i]).append(e.getKey()).append(' ').append(v).append('\n');
            }
        }
    }

    private static String formatBound(double b) {
        return b == Math.rint(b) ? Long.toString((long) b) : Double.toString(b);
    }
}
