/*
 * card_index.h: how a card becomes an entity of the CRM index (MAPPING.md sections 2.2-2.6).
 *
 * CardDAV PUT, `kith import` and later the CRM layer all store a card with the index record
 * this module derives from it, so the LDAP view and addressbook-query never parse cards to
 * search. The mapping:
 *   kind        KIND (4.0) / X-ADDRESSBOOKSERVER-KIND, X-ABShowAs:COMPANY (3.0) /
 *               X-CRM-ENTITY:department; default person
 *   names       FN; N family and given; ORG components 0 and 1; TITLE
 *   parent      RELATED;TYPE=x-crm-parent-org (4.0) or X-CRM-PARENT (3.0) of a department
 *   emails      every EMAIL; phones: every TEL with TYPE bits, digits and E.164 (src/phone.h)
 *   relations   RELATED (type from TYPE, X-CRM-ROLE/-START/-END params), 3.0
 *               itemN.X-ABRELATEDNAMES with its X-ABLabel, group MEMBER lines ("member")
 *   dates       BDAY, ANNIVERSARY as written; CATEGORIES split on ','
 * Every view in the result lives in the arena given.
 */
#ifndef KITH_CRM_CARD_INDEX_H
#define KITH_CRM_CARD_INDEX_H

#include "src/formats/vcard.h"
#include "storage/store.h"

struct arena;

struct crm_index_opts {
    const char *country_code; /* E.164 calling code of national numbers, "49" */
    const char *trunk_prefix; /* national trunk prefix, "0" */
};

/* Fill out from card. Never fails: missing data gives empty fields. */
void crm_card_index(struct arena *a, const struct vcard *card, const struct crm_index_opts *opts,
        struct store_entity *out);

/* The card's UID text (unescaped), or an empty view. */
struct str_view crm_card_uid(struct arena *a, const struct vcard *card);

#endif
