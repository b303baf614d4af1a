/* Password candidates from mail text: every phrasing the issue lists, and what must not match. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/buf.h"
#include "mail/password.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char v[16][80];
    int prio[16];
    char origin[16][200];
    size_t n;
} found;

static void cb(void *ud, const char *v, size_t n, int prio, const char *origin)
{
    found *f = ud;
    if (f->n >= 16 || prio >= EG_PW_BRACKETED)
        return;
    snprintf(f->v[f->n], sizeof f->v[0], "%.*s", (int)n, v);
    snprintf(f->origin[f->n], sizeof f->origin[0], "%s", origin);
    f->prio[f->n++] = prio;
}

/* The best (first reported, lowest priority) labelled candidate. */
static const char *best(const char *text, int *prio, found *f)
{
    memset(f, 0, sizeof *f);
    eg_password_extract(text, strlen(text), "body", false, cb, f);
    if (!f->n)
        return NULL;
    size_t bi = 0;
    for (size_t i = 1; i < f->n; i++)
        if (f->prio[i] < f->prio[bi])
            bi = i;
    if (prio)
        *prio = f->prio[bi];
    return f->v[bi];
}

static bool has(const found *f, const char *v)
{
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->v[i], v))
            return true;
    return false;
}

static void labelled_same_line(void **st)
{
    (void)st;
    static const struct {
        const char *text, *want;
    } t[] = {
        {"パスワード：Ab12", "Ab12"},
        {"解凍パスワード: xY7#kq", "xY7#kq"},
        {"暗号化パスワード＝ Zip2024", "Zip2024"},
        {"パスワードは「Pass123」です。", "Pass123"},
        {"パスワードは『q1w2e3』となります", "q1w2e3"},
        {"【パスワード】abc987", "abc987"},
        {"ＰＷ：ａｂｃ１２３", "abc123"},
        {"PW: 4432", "4432"},
        {"pwd=826", "826"},
        {"Password: 4vahobk5lzs", "4vahobk5lzs"},
        {"PASS : AYALZNOJY", "AYALZNOJY"},
        {"The password is S3cret.", "S3cret"},
        {"Kennwort: geheim77", "geheim77"},
        {"Das Passwort ist Hund123.", "Hund123"},
        {"mot de passe : secret12", "secret12"},
        {"Contraseña: clave99", "clave99"},
        {"パスワード（半角英数字）：A1b2C3", "A1b2C3"},
        {"パスワード(abc:12)", "abc:12"},
        {"お客様ID：user01　パスワード：pw-5566です。", "pw-5566"},
        {"暗証番号 8520", "8520"},
        {"パスワード\"quoted9\"", "quoted9"},
        {"P/W:　ZZtop77、よろしくお願いします", "ZZtop77"},
        {"パスワード：　ａｂｃ１２３４（半角英数字）", "abc1234"},
        {"※パスワードは、Kq2024 です。", "Kq2024"},
        {"PW→ Xy12", "Xy12"},
        {"Password - 4432", "4432"},
        {"ﾊﾟｽﾜｰﾄﾞ: Hk55aa", "Hk55aa"},
        {"ＰＡＳＳＷＯＲＤ：Qz9911", "Qz9911"},
        {"Пароль: zx81ab", "zx81ab"},
        {"密码：mm7788", "mm7788"},
        /* the label on a later line of a Japanese paragraph whose other lines hold no label */
        {"いつもお世話になっております。\n添付の資料をご確認ください。\nパスワード：Lq4410\n以上で"
         "す。",
         "Lq4410"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        found f;
        int prio = -1;
        const char *b = best(t[i].text, &prio, &f);
        if (!b || strcmp(b, t[i].want))
            fail_msg("%s -> %s (want %s)", t[i].text, b ? b : "(none)", t[i].want);
        assert_int_equal(prio, EG_PW_LABELLED);
    }
}

/* A line is folded only when a label may start on it; the look at its raw bytes must let through
 * every label whose letters are mixed with full-width forms or cases, or that begins after a word
 * sharing its first letters (an English line is otherwise passed by). */
static void mixed_width_labels_are_seen(void **st)
{
    (void)st;
    static const struct {
        const char *text, *want;
    } t[] = {
        {"Pａssword: Ab12xyz", "Ab12xyz"},
        {"pａｓｓｗｏｒｄ: Tt55aa", "Tt55aa"},
        {"PaSsWoRd: Mixed42", "Mixed42"},
        {"Please see below. pass word: Kk8899", "Kk8899"},
        {"Contact us; contraseña: clave77", "clave77"},
        {"Lösenord: hemligt9", "hemligt9"},
        {"Hasło: tajne123", "tajne123"},
        {"Past the part, parola: gizli55", "gizli55"},
        {"Please find the minutes below.\nPassword: Nn1234", "Nn1234"},
        {"Please find the minutes below.\nPassword:\nQq5566", "Qq5566"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        found f;
        const char *b = best(t[i].text, NULL, &f);
        if (!b || strcmp(b, t[i].want))
            fail_msg("%s -> %s (want %s)", t[i].text, b ? b : "(none)", t[i].want);
    }
}

static void next_line_values(void **st)
{
    (void)st;
    static const struct {
        const char *text, *want;
    } t[] = {
        {"添付ファイルのパスワード\n\n  Kx82mq\n", "Kx82mq"},
        {"パスワードは以下の通りです。\r\n----------\r\n「Tk3x9」\r\n", "Tk3x9"},
        {"Password:\n\nqwe123\n", "qwe123"},
        {"The password is below\nzzz999", "zzz999"},
        {"【解凍パスワード】\n　ｈｇ５５７７", "hg5577"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        found f;
        int prio = -1;
        const char *b = best(t[i].text, &prio, &f);
        if (!b || strcmp(b, t[i].want))
            fail_msg("%s -> %s (want %s)", t[i].text, b ? b : "(none)", t[i].want);
        assert_int_equal(prio, EG_PW_NEXT_LINE);
        assert_non_null(strstr(f.origin[0], "below"));
    }
}

static void raw_form_is_kept(void **st)
{
    (void)st;
    found f;
    best("パスワード：Ｐａｓｓ１２３", NULL, &f);
    assert_true(has(&f, "Pass123"));
    assert_true(has(&f, "Ｐａｓｓ１２３"));
    assert_non_null(strstr(f.origin[0], "パスワード"));
    best("The password is S3cret!", NULL, &f);
    assert_true(has(&f, "S3cret"));
    assert_true(has(&f, "S3cret!"));
    /* mixed value: the ASCII head is offered too */
    best("パスワード：abc123（半角）", NULL, &f);
    assert_true(has(&f, "abc123"));
}

static void no_false_labels(void **st)
{
    (void)st;
    static const char *const t[] = {
        "パスワードは別途お送りします。",
        "Please use your compass 1234 and passport X9.",
        "The pass rate was high.",
        "パスワード",
        "",
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        found f;
        const char *b = best(t[i], NULL, &f);
        if (b)
            fail_msg("%s -> unexpected %s", t[i], b);
    }
}

typedef struct {
    size_t n, weak, bracketed;
    bool saw_invoice;
} fb;

static void fb_cb(void *ud, const char *v, size_t n, int prio, const char *origin)
{
    fb *f = ud;
    (void)origin;
    f->n++;
    f->weak += prio == EG_PW_TOKEN_WEAK;
    f->bracketed += prio == EG_PW_BRACKETED;
    if (n == 7 && !memcmp(v, "INV8812", 7))
        f->saw_invoice = prio == EG_PW_TOKEN;
}

static void fallback_tokens(void **st)
{
    (void)st;
    const char *text =
        "ご確認ください。請求番号 INV8812 です。https://example.jp/x と info@example.jp は除外。"
        "「zq81」 hello";
    fb f = {0};
    size_t lab = eg_password_extract(text, strlen(text), "body", true, fb_cb, &f);
    assert_int_equal(lab, 0);
    assert_true(f.saw_invoice);
    assert_int_equal(f.bracketed, 1);
    assert_int_equal(f.weak, 1); /* hello */
    assert_int_equal(f.n, 4);    /* INV8812, zq81 bracketed and as a token, hello */
}

static void bounded_on_huge_input(void **st)
{
    (void)st;
    size_t n = 4u << 20;
    char *t = malloc(n);
    for (size_t i = 0; i < n; i++)
        t[i] = (i % 97 == 0) ? '\n' : (char)('a' + i % 26);
    fb f = {0};
    eg_password_extract(t, n, "body", true, fb_cb, &f);
    assert_true(f.n <= 150);
    free(t);
}

/* A label every four bytes, each followed by a bracket, on 8 KiB lines: each value is read from a
 * bounded window (the line was once walked per label and per bracket, cubic in its length, about
 * 200 s of CPU for a 1 MiB body). The real password after it is still found. */
typedef struct {
    size_t n;
    bool real;
} seen;

static void seen_cb(void *ud, const char *v, size_t n, int prio, const char *origin)
{
    seen *s = ud;
    (void)prio;
    (void)origin;
    s->n++;
    s->real |= n == 6 && !memcmp(v, "Zx81kq", 6);
}

static void many_labels_on_a_line(void **st)
{
    (void)st;
    eg_buf t;
    eg_buf_init(&t, 0);
    for (int l = 0; l < 128; l++) {
        for (int i = 0; i < 2047; i++)
            eg_buf_puts(&t, "pw:(");
        eg_buf_puts(&t, ")\n");
    }
    eg_buf_puts(&t, "パスワード：Zx81kq(半角英数字)\n");
    seen s = {0};
    eg_password_extract((const char *)t.data, t.len, "body", false, seen_cb, &s);
    assert_true(s.real);
    eg_buf_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(labelled_same_line),    cmocka_unit_test(next_line_values),
        cmocka_unit_test(raw_form_is_kept),      cmocka_unit_test(no_false_labels),
        cmocka_unit_test(fallback_tokens),       cmocka_unit_test(bounded_on_huge_input),
        cmocka_unit_test(many_labels_on_a_line), cmocka_unit_test(mixed_width_labels_are_seen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
