/*
 * test_server.c: the core loop with a tiny line-echo module: listeners, max_connections,
 * graceful shutdown (in-flight work finishes, idle connections close, the loop returns),
 * the forced close after shutdown_timeout, and bad listen addresses.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "src/arena.h"
#include "src/config.h"
#include "src/conn.h"
#include "src/err.h"
#include "src/proto.h"
#include "src/server.h"

/* Echo module: answers each line; "hold" starts work that only ends with "done", so a
 * connection can be caught mid-request by a shutdown. */
struct echo_state {
    bool busy;
};

static int echo_open(struct conn *conn)
{
    conn->proto_ctx = arena_new_obj(conn->arena, struct echo_state);
    return 0;
}

static void echo_readable(struct conn *conn)
{
    struct echo_state *st = conn->proto_ctx;
    char *line;
    size_t n;
    while ((line = evbuffer_readln(conn_input(conn), &n, EVBUFFER_EOL_CRLF)) != NULL) {
        if (strcmp(line, "hold") == 0) {
            st->busy = true;
        } else if (strcmp(line, "done") == 0) {
            st->busy = false;
            if (conn->shutting_down) {
                evbuffer_add(conn_output(conn), "bye\n", 4);
                conn_close_after_flush(conn);
                free(line);
                return;
            }
        }
        evbuffer_add_printf(conn_output(conn), "%s\n", line);
        free(line);
    }
}

static bool echo_shutdown(struct conn *conn)
{
    struct echo_state *st = conn->proto_ctx;
    return !st->busy;
}

static const struct proto_module echo_module = {
    .name = "echo",
    .conn_open = echo_open,
    .conn_readable = echo_readable,
    .conn_shutdown = echo_shutdown,
};

struct running {
    struct kith_config cfg;
    struct server *srv;
    pthread_t thread;
    unsigned port;
    int rc;
};

static void *loop_main(void *arg)
{
    struct running *r = arg;
    r->rc = server_run(r->srv);
    return NULL;
}

static struct running *start(unsigned max_connections, unsigned shutdown_timeout)
{
    struct running *r = calloc(1, sizeof(*r));
    config_defaults(&r->cfg);
    r->cfg.max_connections = max_connections;
    r->cfg.shutdown_timeout = shutdown_timeout;
    r->srv = server_new(&r->cfg);
    assert_non_null(r->srv);
    assert_int_equal(server_listen(r->srv, "127.0.0.1:0", false, &echo_module, NULL), 0);
    r->port = server_last_port(r->srv);
    assert_true(r->port > 0);
    r->rc = -1;
    assert_int_equal(pthread_create(&r->thread, NULL, loop_main, r), 0);
    usleep(20 * 1000); /* signal handlers installed */
    return r;
}

static void stop(struct running *r)
{
    kill(getpid(), SIGTERM);
    pthread_join(r->thread, NULL);
    assert_int_equal(r->rc, 0);
    server_free(&r->srv);
    assert_null(r->srv);
    free(r);
}

static int client(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

/* Read what arrives within ms; returns bytes, 0 for EOF, -1 for nothing. */
static ssize_t recv_some(int fd, char *buf, size_t cap, int ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    if (poll(&p, 1, ms) <= 0) {
        return -1;
    }
    ssize_t n = recv(fd, buf, cap - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    return n;
}

static void test_listener_echoes_lines(void **state)
{
    struct running *r = start(10, 2);
    int fd = client(r->port);
    send(fd, "hello\r\n", 7, 0);
    char buf[64];
    assert_int_equal(recv_some(fd, buf, sizeof(buf), 2000), 6);
    assert_string_equal(buf, "hello\n");
    close(fd);
    stop(r);
}

static void test_connections_beyond_max_are_refused(void **state)
{
    struct running *r = start(2, 2);
    int a = client(r->port), b = client(r->port);
    char buf[64];
    send(a, "a\n", 2, 0);
    send(b, "b\n", 2, 0);
    assert_int_equal(recv_some(a, buf, sizeof(buf), 2000), 2);
    assert_int_equal(recv_some(b, buf, sizeof(buf), 2000), 2);
    int c = client(r->port); /* the kernel accepts; the server closes it at once */
    assert_int_equal(recv_some(c, buf, sizeof(buf), 2000), 0);
    close(a);
    usleep(50 * 1000);
    int d = client(r->port); /* a slot is free again */
    send(d, "d\n", 2, 0);
    assert_int_equal(recv_some(d, buf, sizeof(buf), 2000), 2);
    close(b);
    close(c);
    close(d);
    stop(r);
}

static void test_shutdown_lets_in_flight_work_finish(void **state)
{
    struct running *r = start(10, 5);
    int idle = client(r->port), busy = client(r->port);
    char buf[64];
    send(busy, "hold\n", 5, 0);
    assert_int_equal(recv_some(busy, buf, sizeof(buf), 2000), 5);
    send(idle, "x\n", 2, 0);
    assert_int_equal(recv_some(idle, buf, sizeof(buf), 2000), 2);

    kill(getpid(), SIGTERM);
    /* The idle connection is closed, the busy one is not. */
    assert_int_equal(recv_some(idle, buf, sizeof(buf), 2000), 0);
    assert_int_equal(recv_some(busy, buf, sizeof(buf), 300), -1);
    int late = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)r->port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* New connections are not served any more (the listener may still complete the
     * handshake from its backlog, but nothing answers). */
    if (connect(late, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
        send(late, "y\n", 2, MSG_NOSIGNAL);
        assert_true(recv_some(late, buf, sizeof(buf), 300) <= 0);
    }
    close(late);

    send(busy, "done\n", 5, 0);
    assert_true(recv_some(busy, buf, sizeof(buf), 2000) > 0);
    assert_non_null(strstr(buf, "bye"));
    pthread_join(r->thread, NULL);
    assert_int_equal(r->rc, 0);
    server_free(&r->srv);
    free(r);
    close(idle);
    close(busy);
}

static void test_shutdown_timeout_closes_stuck_connections(void **state)
{
    struct running *r = start(10, 1);
    int busy = client(r->port);
    char buf[64];
    send(busy, "hold\n", 5, 0);
    assert_int_equal(recv_some(busy, buf, sizeof(buf), 2000), 5);
    kill(getpid(), SIGTERM);
    assert_int_equal(recv_some(busy, buf, sizeof(buf), 3000), 0);
    pthread_join(r->thread, NULL);
    assert_int_equal(r->rc, 0);
    server_free(&r->srv);
    free(r);
    close(busy);
}

static void test_bad_listen_addresses_are_rejected(void **state)
{
    struct kith_config cfg;
    config_defaults(&cfg);
    log_init(LOG_LEVEL_ERROR, fopen("/dev/null", "w"));
    struct server *srv = server_new(&cfg);
    assert_int_equal(server_listen(srv, "127.0.0.1", false, &echo_module, NULL), ERR_INVAL);
    assert_int_equal(server_listen(srv, "127.0.0.1:99999", false, &echo_module, NULL), ERR_INVAL);
    assert_int_equal(server_listen(srv, "::1:80", false, &echo_module, NULL), ERR_INVAL);
    assert_int_equal(server_listen(srv, "", false, &echo_module, NULL), 0); /* off */
    assert_int_equal(server_listen(srv, "[::1]:0", false, &echo_module, NULL), 0);
    assert_true(server_last_port(srv) > 0);
    assert_int_equal(server_reload_tls(srv), 0); /* no TLS listener: nothing to do */
    server_free(&srv);
    log_init(LOG_LEVEL_ERROR, NULL);
}

int main(void)
{
    log_init(LOG_LEVEL_ERROR, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listener_echoes_lines),
        cmocka_unit_test(test_connections_beyond_max_are_refused),
        cmocka_unit_test(test_shutdown_lets_in_flight_work_finish),
        cmocka_unit_test(test_shutdown_timeout_closes_stuck_connections),
        cmocka_unit_test(test_bad_listen_addresses_are_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
