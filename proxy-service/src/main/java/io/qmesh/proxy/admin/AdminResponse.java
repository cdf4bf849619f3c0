package io.qmesh.proxy.admin;

/** A complete admin response. */
public record AdminResponse(int status, String contentType, String body) {

    public static AdminResponse text(int status, String body) {
        return new AdminResponse(status, "text/plain; charset=utf-8", body);
    }

    public static AdminResponse json(String body) {
        return new AdminResponse(200, "application/json", body);
    }
}
