/*
 * capture-probe: the tiny TCP server and client of CaptureNamespaceTest, compiled at test time.
 *
 *   capture-probe server <port> <tag>       listen on 0.0.0.0:<port>; print "ready"; answer each
 *                                           HTTP request with "<tag> original=<ip:port>" where the
 *                                           address is SO_ORIGINAL_DST (the pre-REDIRECT destination)
 *                                           or "none" when the connection was not redirected
 *                                           (the original destination is the local address)
 *   capture-probe tserver <port> <tag>      the same with IP_TRANSPARENT, as a TPROXY listener: it
 *                                           accepts connections to any address, and the original
 *                                           destination is the local address of the connection
 *   capture-probe client <ip> <port> [id]   optionally become uid/gid <id>, GET http://<ip>:<port>/
 *                                           and print the response body
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter_ipv4.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int serve(int port, const char *tag, int transparent) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (transparent && setsockopt(listener, SOL_IP, IP_TRANSPARENT, &one, sizeof one) != 0) {
        fprintf(stderr, "IP_TRANSPARENT: %s\n", strerror(errno));
        return 1;
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (bind(listener, (struct sockaddr *) &addr, sizeof addr) != 0 || listen(listener, 16) != 0) {
        fprintf(stderr, "listen on %d: %s\n", port, strerror(errno));
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    for (;;) {
        int conn = accept(listener, NULL, NULL);
        if (conn < 0) {
            continue;
        }
        char request[2048];
        (void) !read(conn, request, sizeof request);
        struct sockaddr_in original;
        socklen_t length = sizeof original;
        char where[64] = "none";
        struct sockaddr_in local;
        socklen_t local_length = sizeof local;
        getsockname(conn, (struct sockaddr *) &local, &local_length);
        /* Conntrack knows every connection; only a redirected one has an original destination
           different from the address it was accepted on. */
        if (transparent) {
            /* TPROXY does not rewrite the packet: the socket keeps the address the client dialled. */
            char ip[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, &local.sin_addr, ip, sizeof ip);
            snprintf(where, sizeof where, "%s:%d", ip, ntohs(local.sin_port));
        } else if (getsockopt(conn, SOL_IP, SO_ORIGINAL_DST, &original, &length) == 0
                && (original.sin_addr.s_addr != local.sin_addr.s_addr || original.sin_port != local.sin_port)) {
            char ip[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, &original.sin_addr, ip, sizeof ip);
            snprintf(where, sizeof where, "%s:%d", ip, ntohs(original.sin_port));
        }
        char body[256];
        int body_length = snprintf(body, sizeof body, "%s original=%s", tag, where);
        char response[512];
        int n = snprintf(response, sizeof response,
                "HTTP/1.0 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", body_length, body);
        (void) !write(conn, response, n);
        close(conn);
    }
}

static int call(const char *ip, int port, const char *id) {
    if (id != NULL) {
        int numeric = atoi(id);
        if (setgid(numeric) != 0 || setuid(numeric) != 0) {
            fprintf(stderr, "cannot become %d: %s\n", numeric, strerror(errno));
            return 1;
        }
    }
    alarm(5);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, ip, &addr.sin_addr);
    if (connect(fd, (struct sockaddr *) &addr, sizeof addr) != 0) {
        fprintf(stderr, "connect %s:%d: %s\n", ip, port, strerror(errno));
        return 1;
    }
    char request[256];
    int n = snprintf(request, sizeof request, "GET / HTTP/1.0\r\nHost: %s:%d\r\n\r\n", ip, port);
    (void) !write(fd, request, n);
    char response[1024];
    int total = 0, got;
    while ((got = read(fd, response + total, sizeof response - 1 - total)) > 0) {
        total += got;
    }
    response[total] = 0;
    char *body = strstr(response, "\r\n\r\n");
    printf("%s\n", body == NULL ? response : body + 4);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && (strcmp(argv[1], "server") == 0 || strcmp(argv[1], "tserver") == 0)) {
        return serve(atoi(argv[2]), argv[3], strcmp(argv[1], "tserver") == 0);
    }
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "client") == 0) {
        return call(argv[2], atoi(argv[3]), argc == 5 ? argv[4] : NULL);
    }
    fprintf(stderr, "usage: capture-probe server|tserver <port> <tag> | client <ip> <port> [uid]\n");
    return 2;
}
