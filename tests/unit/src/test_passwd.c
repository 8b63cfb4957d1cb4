/*
 * test_passwd.c: yescrypt hashing and verification through libxcrypt, refusal of locked
 * and empty hashes, generated demo passwords, and the cost of one verify (printed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <crypt.h>

#include "src/err.h"
#include "src/passwd.h"

static void test_hash_is_yescrypt_and_verifies(void **state)
{
    char hash[PASSWD_HASH_SIZE];
    assert_int_equal(passwd_hash("correct horse", hash, sizeof(hash)), 0);
    assert_memory_equal(hash, "$y$", 3);
    assert_true(strlen(hash) > 50);
    assert_true(passwd_verify("correct horse", hash));
}

static void test_wrong_password_fails(void **state)
{
    char hash[PASSWD_HASH_SIZE];
    assert_int_equal(passwd_hash("correct horse", hash, sizeof(hash)), 0);
    assert_false(passwd_verify("correct horsE", hash));
    assert_false(passwd_verify("correct hors", hash));
    assert_false(passwd_verify("correct horse ", hash));
    assert_false(passwd_verify("", hash));
    assert_false(passwd_verify(NULL, hash));
}

static void test_two_hashes_of_one_password_differ(void **state)
{
    char a[PASSWD_HASH_SIZE], b[PASSWD_HASH_SIZE];
    assert_int_equal(passwd_hash("same", a, sizeof(a)), 0);
    assert_int_equal(passwd_hash("same", b, sizeof(b)), 0);
    assert_string_not_equal(a, b);
    assert_true(passwd_verify("same", a));
    assert_true(passwd_verify("same", b));
}

static void test_empty_locked_and_damaged_hashes_never_verify(void **state)
{
    char hash[PASSWD_HASH_SIZE], locked[PASSWD_HASH_SIZE + 1];
    assert_int_equal(passwd_hash("pw", hash, sizeof(hash)), 0);
    snprintf(locked, sizeof(locked), "!%s", hash);
    static const char *const bad[] = { "", "*", "!", "*LK*", "$", "$y$", "$y$j9T$" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(passwd_verify("", bad[i]));
        assert_false(passwd_verify("pw", bad[i]));
    }
    assert_false(passwd_verify("pw", NULL));
    assert_false(passwd_verify("pw", locked));
    hash[strlen(hash) - 1] = '\0'; /* truncated */
    assert_false(passwd_verify("pw", hash));
}

static void test_des_hashes_are_refused(void **state)
{
    /* Traditional DES crypt has no "$id$" prefix; even if libxcrypt computes it, we refuse. */
    struct crypt_data data;
    memset(&data, 0, sizeof(data));
    const char *des = crypt_rn("secret", "ab", &data, sizeof(data));
    if (des != NULL) {
        assert_false(passwd_verify("secret", des));
    }
    assert_false(passwd_verify("secret", "abJnggxhB/yWI"));
}

static void test_other_crypt_methods_verify(void **state)
{
    /* sha512crypt, as an import from another system might carry. */
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data data;
    memset(&data, 0, sizeof(data));
    assert_non_null(crypt_gensalt_rn("$6$", 0, NULL, 0, salt, sizeof(salt)));
    const char *sha = crypt_rn("imported", salt, &data, sizeof(data));
    assert_non_null(sha);
    assert_true(passwd_verify("imported", sha));
    assert_false(passwd_verify("imported!", sha));
}

static void test_hash_refuses_bad_arguments(void **state)
{
    char hash[PASSWD_HASH_SIZE], small[PASSWD_HASH_SIZE - 1];
    static char huge[PASSWD_MAX + 2];
    assert_int_equal(passwd_hash("", hash, sizeof(hash)), ERR_INVAL);
    assert_int_equal(passwd_hash(NULL, hash, sizeof(hash)), ERR_INVAL);
    assert_int_equal(passwd_hash("pw", small, sizeof(small)), ERR_INVAL);
    memset(huge, 'a', PASSWD_MAX + 1);
    assert_int_equal(passwd_hash(huge, hash, sizeof(hash)), ERR_TOO_LARGE);
    assert_false(passwd_verify(huge, "$y$j9T$abc$def"));
    huge[PASSWD_MAX] = '\0';
    assert_int_equal(passwd_hash(huge, hash, sizeof(hash)), 0);
    assert_true(passwd_verify(huge, hash));
}

static void test_generated_passwords_are_readable_and_random(void **state)
{
    char a[PASSWD_GENERATE_SIZE], b[PASSWD_GENERATE_SIZE];
    assert_int_equal(passwd_generate(a, sizeof(a)), 0);
    assert_int_equal(passwd_generate(b, sizeof(b)), 0);
    assert_int_equal(strlen(a), 19);
    assert_string_not_equal(a, b);
    for (size_t i = 0; i < 19; i++) {
        if (i % 5 == 4) {
            assert_int_equal(a[i], '-');
        } else {
            assert_non_null(strchr("abcdefghjkmnpqrstuvwxyz23456789", a[i]));
        }
    }
    char small[PASSWD_GENERATE_SIZE - 1];
    assert_int_equal(passwd_generate(small, sizeof(small)), ERR_INVAL);
}

static void test_generated_password_round_trips_through_hash(void **state)
{
    char pw[PASSWD_GENERATE_SIZE], hash[PASSWD_HASH_SIZE];
    assert_int_equal(passwd_generate(pw, sizeof(pw)), 0);
    assert_int_equal(passwd_hash(pw, hash, sizeof(hash)), 0);
    assert_true(passwd_verify(pw, hash));
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Not a benchmark gate, a figure for the HTTP auth cache: printed, and a loose upper bound
 * so a misconfigured cost (seconds per login) fails here. */
static void test_verify_cost_is_tens_of_milliseconds(void **state)
{
    char hash[PASSWD_HASH_SIZE];
    const int rounds = 5;
    assert_int_equal(passwd_hash("timing", hash, sizeof(hash)), 0);
    double start = now_ms();
    for (int i = 0; i < rounds; i++) {
        assert_true(passwd_verify("timing", hash));
    }
    double per = (now_ms() - start) / rounds;
    print_message("one yescrypt verify (%.12s...): %.1f ms\n", hash, per);
    assert_true(per < 2000.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_is_yescrypt_and_verifies),
        cmocka_unit_test(test_wrong_password_fails),
        cmocka_unit_test(test_two_hashes_of_one_password_differ),
        cmocka_unit_test(test_empty_locked_and_damaged_hashes_never_verify),
        cmocka_unit_test(test_des_hashes_are_refused),
        cmocka_unit_test(test_other_crypt_methods_verify),
        cmocka_unit_test(test_hash_refuses_bad_arguments),
        cmocka_unit_test(test_generated_passwords_are_readable_and_random),
        cmocka_unit_test(test_generated_password_round_trips_through_hash),
        cmocka_unit_test(test_verify_cost_is_tens_of_milliseconds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
