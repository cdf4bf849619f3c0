package io.qmesh.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.qmesh.proxy.route.RequestView;
import java.util.List;
import java.util.Map;

/** Route matching's view of a Netty request whose target is already split into authority and path. */
final class NettyRequestView implements RequestView {

    private final HttpRequest request;
    private final String authority;
    private final String pathAndQuery;
    private final String path;
    private final String scheme;
    private Map<String, List<String>> query;

    NettyRequestView(HttpRequest request, String authority, String pathAndQuery, String scheme) {
        this.request = request;
        this.authority = authority;
        this.pathAndQuery = pathAndQuery;
        int q = pathAndQuery.indexOf('?');
        this.path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        this.scheme = scheme;
    }

    @Override
    public String path() {
        return path;
    }

    String pathAndQuery() {
        return pathAndQuery;
    }

    String authority() {
        return authority;
    }

    @Override
    public String header(String name) {
        switch (name) {
            case ":authority":
                return authority;
            case ":method":
                return request.method().name();
            case ":path":
                return pathAndQuery;
            case ":scheme":
                return scheme;
            default:
                break;
        }
        if (name.equals("host")) {
            return authority;
        }
        List<String> values = request.headers().getAll(name);
        if (values.isEmpty()) {
            return null;
        }
        return values.size() == 1 ? values.get(0) : String.join(",", values);
    }

    @Override
    public String queryParam(String name) {
        if (query == null) {
            query = new QueryStringDecoder(pathAndQuery).parameters();
        }
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    static String hostHeader(HttpRequest request) {
        return request.headers().get(HttpHeaderNames.HOST);
    }
}
