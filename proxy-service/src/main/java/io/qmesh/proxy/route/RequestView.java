package io.qmesh.proxy.route;

/** What route matching may look at in a request. Implemented over Netty's request on the data path. */
public interface RequestView {

    /** The path without the query string. */
    String path();

    /** A header value (several values joined with ","), with :authority, :method, :path, :scheme pseudo-headers; null if absent. */
    String header(String lowerCaseName);

    /** The first value of a query parameter, "" for a key without value, null if absent. */
    String queryParam(String name);
}
