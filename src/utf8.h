/*
 * utf8.h: UTF-8 validation and Unicode case folding.
 *
 * Matching in Kith (LDAP caseIgnore, CardDAV i;unicode-casemap, the store's name index)
 * compares case-folded UTF-8. Folding maps each code point to lower case with glibc's
 * tables for C.UTF-8 (towlower_l), so "MÜLLER", "Müller" and "müller" fold alike. Invalid
 * sequences are copied byte for byte (they then only match themselves).
 */
#ifndef KITH_UTF8_H
#define KITH_UTF8_H

#include <stdbool.h>
#include <stddef.h>

#include "src/strbuf.h"

struct arena;

/* Whether v is well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF). */
bool utf8_valid(struct str_view v);

/* Case-folded copy of v in the arena (NUL-terminated). */
struct str_view utf8_casefold(struct arena *a, struct str_view v);

/* Append the case-folded form of v to sb. */
void utf8_casefold_append(struct strbuf *sb, struct str_view v);

/* Length of the longest prefix of v, at most max bytes, that does not end inside a UTF-8
 * sequence (for cutting and folding text). */
size_t utf8_cut(struct str_view v, size_t max);

#endif
