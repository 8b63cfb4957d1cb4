/*
 * vcard-internal.h: pieces shared by the vCard parser (vcard.c, vcard_line.c), writer
 * (vcard_write.c) and converter (vcard_convert*.c). Not for other modules: they use vcard.h.
 *
 * Data flow: vcard.c cuts the input into unfolded logical lines and cards; vcard_line.c turns
 * one logical line into a struct vcard_prop (structure only) and decodes QUOTED-PRINTABLE,
 * CHARSET and RFC 6868; vcard_write.c composes a line from a property's parts and folds it;
 * the converters build new properties and let vcard_prop_compose() make their raw text.
 */
#ifndef KITH_VCARD_INTERNAL_H
#define KITH_VCARD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "src/formats/vcard.h"

/* Growable malloc'ed arrays reused from line to line while parsing, so that the arena only
 * receives exactly sized copies (import of many cards stays linear and compact). */
struct vcard_scratch {
    struct vcard_param *params;
    size_t n_params, cap_params;
    struct str_view *vals;
    size_t n_vals, cap_vals;
    char *buf; /* joins of QUOTED-PRINTABLE soft line breaks and 2.1 BASE64 blocks */
    size_t buf_len, buf_cap;
};

void vcard_scratch_cleanup(struct vcard_scratch *sc);
void vcard_scratch_append(struct vcard_scratch *sc, const char *p, size_t len);

/* Parse the structure of one unfolded content line: [group.]name *(;param) : value.
 * Views point into line (or into a for caret-decoded parameter values); prop->raw = line.
 * ERR_INVAL with a static reason in *why_out. */
int vcard_line_parse(struct arena *a, struct vcard_scratch *sc, struct str_view line,
                     struct vcard_prop *prop, const char **why_out);

/* Whether prop has parameter ENCODING (or a 2.1 bare token) equal to value. */
bool vcard_prop_encoding_is(const struct vcard_prop *prop, const char *value);

/* Decode a QUOTED-PRINTABLE value (soft line breaks already joined) into a; line breaks
 * (=0D=0A) become the "\n" escape so the result is an ordinary escaped vCard value.
 * ERR_INVAL (with *why_out) for a NUL byte. */
int vcard_qp_decode(struct arena *a, struct str_view in, struct str_view *out,
                    const char **why_out);

/* Bytes of a valid UTF-8 sequence (no overlongs, surrogates or values past U+10FFFF). */
bool vcard_utf8_valid(const char *p, size_t len);

/* RFC 6868: ^n -> LF, ^^ -> ^, ^' -> ". Returns v itself when it holds no caret. */
struct str_view vcard_caret_decode(struct arena *a, struct str_view v);

/* PHOTO, LOGO, SOUND, KEY: lines only the card size bounds. */
bool vcard_name_is_binary(struct str_view name);

/* Compose prop->raw from group, name, params and value as version v writes them: parameter
 * values quoted when they hold ':', ';' or ','; RFC 6868 caret encoding in 4.0. */
void vcard_prop_compose(struct arena *a, struct vcard_prop *prop, enum vcard_version v);

/* Whether the writer may emit prop->raw as it is: raw is set and the line carries no
 * CHARSET or QUOTED-PRINTABLE parameter (those values were decoded to UTF-8 on input). */
bool vcard_prop_raw_usable(const struct vcard_prop *prop);

/* Append prop to card, growing its array (capacity: vcard_props_cap()). */
struct vcard_prop *vcard_props_push(struct arena *a, struct vcard *card);
/* Capacity the props array of a card with n properties is allocated with. */
size_t vcard_props_cap(size_t n);

/* CHARSET or ENCODING=QUOTED-PRINTABLE/8BIT/7BIT: describe the input only. */
bool vcard_param_is_transfer(const struct vcard_param *p);

/* Conversion state (vcard_convert.c, vcard_convert_v4.c). Output properties share views
 * with the input; any property whose parts change gets a new raw by vcard_prop_compose(). */
struct vcard_conv {
    struct arena *a;
    const struct vcard *in;
    struct vcard *out;
    enum vcard_version to;
    bool *consumed;   /* per input property: already rendered as part of another one */
    size_t next_item; /* next itemN number; above every itemN of the input (MAPPING R2) */
};

void vcard_conv_init(struct vcard_conv *c, struct arena *a, const struct vcard *in,
                     enum vcard_version to);
/* Append a copy of p (transfer parameters removed, raw cleared if any were). The pointer is
 * valid until the next append. */
struct vcard_prop *vcard_conv_copy(struct vcard_conv *c, const struct vcard_prop *p);
/* Append group.name:value without parameters, raw composed. */
struct vcard_prop *vcard_conv_add(struct vcard_conv *c, struct str_view group, const char *name,
                                  struct str_view value);
/* Compose raw if it was cleared. */
void vcard_conv_done(struct vcard_conv *c, struct vcard_prop *p);
struct str_view vcard_conv_mint_group(struct vcard_conv *c);

bool vcard_prop_is(const struct vcard_prop *p, const char *name);
void vcard_params_remove(struct arena *a, struct vcard_prop *p, const char *name);
void vcard_params_add(struct arena *a, struct vcard_prop *p, const char *name,
                      struct str_view value);
/* Every TYPE value, over all TYPE parameters, in order. */
struct str_view *vcard_types_collect(struct arena *a, const struct vcard_prop *p, size_t *n_out);
/* Replace all TYPE parameters by one holding vals (none when n is 0). */
void vcard_types_set(struct arena *a, struct vcard_prop *p, const struct str_view *vals, size_t n);
struct str_view vcard_str_case(struct arena *a, struct str_view v, bool upper);
struct str_view vcard_str_cat(struct arena *a, struct str_view x, struct str_view y);

/* TYPE/PREF rendering of TEL, EMAIL, ADR, URL, IMPP, LABEL for c->to. */
bool vcard_is_typed(const struct vcard_prop *p);
void vcard_conv_types(struct vcard_conv *c, struct vcard_prop *out);
/* PHOTO, LOGO, SOUND, KEY (and any ENCODING=b line): data: URI <-> ENCODING=b;TYPE=. */
void vcard_conv_media(struct vcard_conv *c, const struct vcard_prop *in);

struct vcard *vcard_convert_21_to_30(struct arena *a, const struct vcard *card);
struct vcard *vcard_convert_30_to_40(struct arena *a, const struct vcard *card);
struct vcard *vcard_convert_40_to_30(struct arena *a, const struct vcard *card);

#endif
