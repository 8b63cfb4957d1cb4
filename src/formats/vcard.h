/*
 * vcard.h: vCard parser and writer (RFC 6350 4.0, RFC 2426 3.0, reader for 2.1).
 *
 * Pure code: no I/O, no logging, no store. Input is the text of one or many cards; output
 * is a struct vcard whose views point into the input or into the caller's arena.
 *
 * Model: a card is an ordered list of content lines (properties). Each property keeps the
 * exact unfolded octets of its line (raw) besides its parsed group, name, parameters and
 * value, so that anything Kith does not model is written back byte for byte (MAPPING.md
 * R1), and its original line number for error messages.
 *
 * Reading: line folding (CRLF or LF followed by space or tab) is undone; 3.0/2.1
 * QUOTED-PRINTABLE values (with soft line breaks) and CHARSET parameters are decoded to
 * UTF-8; 2.1 bare parameter tokens (TEL;CELL;VOICE) become TYPE values; RFC 6868 caret
 * encoding in parameter values is decoded; quoted and comma-separated parameter values
 * are split. Limits (struct vcard_limits) bound line length, card size and property count.
 *
 * Writing: CRLF line ends, folding at 75 octets never inside a UTF-8 sequence, parameter
 * values quoted when they hold ':', ';' or ','; RFC 6868 caret encoding in 4.0 output.
 *
 * Conversion 3.0 <-> 4.0 follows MAPPING.md section 2 (KIND/X-ADDRESSBOOKSERVER-KIND,
 * MEMBER, TYPE=pref/PREF=1, BDAY forms, X-ABDATE anniversaries, UID urn:uuid form, PHOTO
 * data: URIs vs ENCODING=b, RELATED vs X-ABRELATEDNAMES, LABEL). Properties with no
 * equivalent are kept as they are.
 */
#ifndef KITH_VCARD_H
#define KITH_VCARD_H

#include <stdbool.h>
#include <stddef.h>

#include "src/strbuf.h"

struct arena;

enum vcard_version {
    VCARD_V21 = 21,
    VCARD_V30 = 30,
    VCARD_V40 = 40,
};

struct vcard_limits {
    size_t max_line;  /* bytes of one unfolded line, except binary properties (PHOTO, LOGO,
                       * SOUND, KEY), which only the card size bounds */
    size_t max_card;  /* bytes of one card, BEGIN to END */
    size_t max_props; /* content lines of one card */
};

/* 64 KiB lines, 4 MiB cards, 2000 properties. */
extern const struct vcard_limits vcard_default_limits;

struct vcard_param {
    struct str_view name;     /* as written ("type"), or "TYPE" for a 2.1 bare token */
    struct str_view *values;  /* decoded: quotes removed, RFC 6868 undone, split on ',' */
    size_t n_values;
};

struct vcard_prop {
    struct str_view group;    /* "item1" or empty */
    struct str_view name;     /* as written ("tel"); compare case-insensitively */
    struct vcard_param *params;
    size_t n_params;
    struct str_view value;    /* raw value text (still escaped; QP/CHARSET already decoded) */
    struct str_view raw;      /* the whole unfolded line, exactly as received (after QP
                               * decoding only for QUOTED-PRINTABLE lines) */
    unsigned line;            /* 1-based line number of the line's start in the input */
};

struct vcard {
    enum vcard_version version;
    struct vcard_prop *props; /* in input order, without BEGIN, VERSION and END */
    size_t n_props;
    unsigned first_line;      /* line of BEGIN:VCARD */
    unsigned last_line;       /* line of END:VCARD */
    struct str_view text;     /* the card's input bytes, BEGIN to END inclusive */
};

struct vcard_error {
    unsigned line;            /* 1-based; 0 when not tied to a line */
    char message[160];        /* "line 12: property count over the limit of 2000" style */
};

/* Called once per card of a stream: either card is set, or (for a card that could not be
 * read and was skipped) err is. A non-zero return stops the parse and is returned. */
typedef int vcard_card_fn(void *ctx, const struct vcard *card, const struct vcard_error *err);

/* Parse one card (PUT bodies). ERR_INVAL with err_out filled on malformed input or when
 * the text holds anything but exactly one card; ERR_TOO_LARGE past a limit. */
int vcard_parse(struct arena *a, struct str_view text, const struct vcard_limits *limits,
        struct vcard **card_out, struct vcard_error *err_out);

/* Parse a file of many cards (import). A bad card is reported through fn with its error and
 * skipped; parsing resumes at the next BEGIN:VCARD. Returns 0, or fn's non-zero return. */
int vcard_parse_stream(struct arena *a, struct str_view text, const struct vcard_limits *limits,
        vcard_card_fn *fn, void *ctx);

/* First property named name (case-insensitive), or NULL. */
const struct vcard_prop *vcard_prop_find(const struct vcard *card, const char *name);
/* The parameter named name (case-insensitive), or NULL. */
const struct vcard_param *vcard_param_find(const struct vcard_prop *prop, const char *name);
/* Whether parameter name has value (both case-insensitive), e.g. ("TYPE", "work"). */
bool vcard_param_has(const struct vcard_prop *prop, const char *name, const char *value);

/* Text of a value with backslash escapes undone (\n \N \, \; \\). */
struct str_view vcard_value_text(struct arena *a, struct str_view raw);
/* Split a structured value (N, ADR, ORG) on unescaped sep (';' or ','), each component
 * unescaped. *n_out receives the count. */
struct str_view *vcard_value_split(struct arena *a, struct str_view raw, char sep, size_t *n_out);

/* Write card as version (which must equal card->version: convert first), appending to out. */
void vcard_write(const struct vcard *card, struct strbuf *out);

/* A copy of card in version to (VCARD_V30 or VCARD_V40) per MAPPING.md section 2; a card
 * already in that version is returned as it is. The result may share views with card. */
struct vcard *vcard_convert(struct arena *a, const struct vcard *card, enum vcard_version to);

/* MAPPING.md R4 for a 3.0 or 2.1 card put over a stored 4.0 card (vcard_merge.c): the
 * stored lines whose 3.0 rendering the PUT carries unchanged, byte for byte, the stored
 * lines 3.0 cannot show at all (KIND:individual), and the PUT's other lines in 4.0, each
 * where the first dropped stored line of its name was. Returns put itself when stored is
 * not 4.0 or put is 4.0 (no merge: store put as it is), stored itself when the PUT changed
 * nothing, else a new 4.0 card in a sharing views with both inputs. */
struct vcard *vcard_merge(struct arena *a, const struct vcard *stored, const struct vcard *put);

/* Build helpers for code that creates cards (CLI, demo data, conversions). */
struct vcard *vcard_new(struct arena *a, enum vcard_version v);
/* Append a property; params is "TYPE=work;PREF=1" style text (may be NULL), value is raw
 * (already escaped). raw is composed from the parts. */
struct vcard_prop *vcard_add(struct arena *a, struct vcard *card, const char *group,
        const char *name, const char *params, struct str_view value);
/* Escape text for use as a value (\\, \n, \, and \; when structured is true). */
struct str_view vcard_escape(struct arena *a, struct str_view text, bool structured);

#endif
