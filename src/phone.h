/*
 * phone.h: telephone numbers as plain digits and as E.164, for matching only.
 *
 * A TEL value is stored and served exactly as typed; these forms are derived from it for
 * the entity index, LDAP telephoneNumber matching (a desk phone sends "4930911*" or
 * "030911*") and duplicate detection. Both functions are pure: no locale, no allocation;
 * they write into the caller's buffer and return the length written, or 0 with out set to
 * "" when there is no such form or it does not fit (out_size 0 writes nothing).
 *
 * phone_digits() keeps every ASCII digit and drops everything else, extension included:
 * "(030) 9117-0000" -> "03091170000".
 *
 * phone_e164() returns the E.164 number as digits without '+' (at most 15, ITU-T E.164 6.1)
 * given the default country calling code ("49") and national trunk prefix ("0", may be
 * ""), as configured in [phone]. The rules, in order:
 *   1. Blanks around the number are ignored. A "tel:" URI (RFC 3966) loses its scheme, and
 *      its parameters after ';' are dropped; a "phone-context=+..." parameter is prefixed
 *      to a local number. In typed text, ',' or ';' (dial pauses) end the number.
 *   2. An extension is cut off: "x 12", "x12", "ext 12", "ext. 12", "extn: 12",
 *      "extension 12" (any case), which must be followed by digits.
 *   3. Separators are ignored: space, tab, - . / ( ) and the Unicode no-break and thin
 *      spaces and dashes (U+00A0, U+2000..U+200A, U+2010..U+2015, U+202F, U+2212). Any
 *      other character, such as a letter ("1-800-FLOWERS") or '*' and '#', makes the
 *      number not normalisable. '+' is allowed only before the first digit.
 *   4. Fewer than 3 digits: not normalisable.
 *   5. "+CC..." is already international. Otherwise a leading international prefix is
 *      dropped: "00", or "011" when the country code is "1" (NANP), where "00" is not one.
 *   6. A national number starting with the trunk prefix loses it and gets the country
 *      code: ("49","0") "030 9117-0000" -> "493091170000". With an empty trunk prefix
 *      (Italy: "39","") the country code is put before all digits. In NANP (country "1")
 *      the trunk "1" is optional, so a 10-digit number also gets "1" in front:
 *      "(201) 555-0123" -> "12015550123". Any other national number (a local number
 *      without area code: "9117 0000" in Germany) is not normalisable.
 *   7. "(0)" after an international prefix, as in "+49 (0)30 ..." or "+44 (0)20 ...", is
 *      the trunk prefix written for national callers and is dropped.
 *   8. The result must not start with 0 and must have at most 15 digits.
 */
#ifndef KITH_PHONE_H
#define KITH_PHONE_H

#include <stddef.h>

#include "src/strbuf.h"

#define PHONE_E164_MAX  15                   /* digits, ITU-T E.164 */
#define PHONE_E164_SIZE (PHONE_E164_MAX + 1) /* a buffer that always fits, with NUL */

/* Every ASCII digit of number, in order, into out (NUL-terminated). Returns the number of
 * digits, or 0 when there are none or they do not fit in out_size - 1. */
size_t phone_digits(struct str_view number, char *out, size_t out_size);

/* The E.164 digits (no '+') of number as typed, under the rules above, into out
 * (NUL-terminated; PHONE_E164_SIZE always fits). country_code and trunk_prefix are digit
 * strings; NULL counts as "". Returns the length, or 0 when not normalisable. */
size_t phone_e164(struct str_view number, const char *country_code, const char *trunk_prefix,
                  char *out, size_t out_size);

#endif
