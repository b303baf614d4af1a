/* The milter's Prometheus counters: rendering, the state gauge, and the HTTP endpoint (200 for
 * /metrics, 404 otherwise, bad listen addresses refused). */
#include "../../src/milter/config.c" /* src/milter is linked into the executable only */
#include "../../src/milter/policy.c"
#include "../../src/milter/stats.c"
#include "milter_harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void test_render(void **unused)
{
    static eg_milter_stats s;
    atomic_store(&s.messages[EG_VERDICT_MALICIOUS], 7);
    atomic_store(&s.actions[EG_ACT_HOLD], 3);
    atomic_store(&s.outbound_alerts, 2);
    atomic_store(&s.scan_us_sum, 1500000);
    eg_state *st = NULL;
    assert_int_equal(eg_state_memory_new(NULL, &st), EG_OK);
    char *t = eg_milter_stats_render(&s, st);
    assert_non_null(t);
    assert_non_null(strstr(t, "emoguard_messages_total{verdict=\"malicious\"} 7\n"));
    assert_non_null(strstr(t, "emoguard_messages_total{verdict=\"clean\"} 0\n"));
    assert_non_null(strstr(t, "emoguard_actions_total{action=\"hold\"} 3\n"));
    assert_non_null(strstr(t, "emoguard_outbound_alerts_total 2\n"));
    assert_non_null(strstr(t, "emoguard_scan_seconds_sum 1.500000\n"));
    assert_non_null(strstr(t, "emoguard_state_degraded 0\n"));
    assert_non_null(strstr(t, "emoguard_connections 0\n"));
    assert_non_null(strstr(t, "# TYPE emoguard_connections_dropped_total counter\n"));
    assert_non_null(strstr(t, "# TYPE emoguard_messages_total counter\n"));
    free(t);
    t = eg_milter_stats_render(&s, NULL);
    assert_null(strstr(t, "emoguard_state_degraded"));
    free(t);
    eg_state_free(st);
}

static void test_http(void **unused)
{
    static eg_milter_stats s;
    atomic_store(&s.reloads, 4);
    char listen_on[64], err[256];
    int port = eg_mh_free_port();
    snprintf(listen_on, sizeof listen_on, "127.0.0.1:%d", port);
    eg_stats_server *srv = NULL;
    assert_int_equal(eg_stats_server_start(listen_on, &s, NULL, &srv, err, sizeof err), EG_OK);
    char *r = eg_mh_http_get(port, "/metrics");
    assert_non_null(r);
    assert_non_null(strstr(r, "HTTP/1.0 200 OK"));
    assert_non_null(strstr(r, "emoguard_reloads_total 4"));
    free(r);
    r = eg_mh_http_get(port, "/secret");
    assert_non_null(r);
    assert_non_null(strstr(r, "404"));
    assert_null(strstr(r, "emoguard_"));
    free(r);
    eg_stats_server_stop(srv);
    assert_int_not_equal(eg_stats_server_start("nonsense", &s, NULL, &srv, err, sizeof err), EG_OK);
    assert_non_null(strstr(err, "HOST:PORT"));
    assert_int_not_equal(eg_stats_server_start("256.1.1.1:80", &s, NULL, &srv, err, sizeof err), EG_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_render), cmocka_unit_test(test_http)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
