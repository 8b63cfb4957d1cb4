/*
 * ldapd.h: Kith's read-only LDAPv3 directory (RFC 4511) over the contact store.
 *
 * The module serves the entity index (storage/store.h) as the DIT of MAPPING.md section 4:
 * ou=People (inetOrgPerson), ou=Organizations (organization, departments as
 * organizationalUnit below their organization) and ou=Users (bind identities), plus the
 * root DSE and cn=Subschema. Nothing is exported or copied: every search reads the store in
 * one read transaction, so a card saved over CardDAV or imported is found at once.
 *
 * Wiring (cli/cli_serve.c):
 *
 *     struct ldapd_server *ls = ldapd_server_new(cfg, store);
 *     server_listen(srv, cfg->ldap_listen, false, &ldapd_module, ls);   // StartTLS inside
 *     server_listen(srv, cfg->ldaps_listen, true, &ldapd_module, ls);   // LDAPS
 *     server_run(srv); server_free(&srv); ldapd_server_free(&ls);
 *
 * One struct ldapd_server holds what connections share: the configuration ([ldap] keys:
 * suffix, limits, anonymous and cleartext-bind policy; [phone] for number matching), the
 * store, a TLS context for StartTLS and the cache of verified simple binds (a salted hash
 * of DN and password, 5 minutes, because a yescrypt verify costs about 60 ms).
 *
 * Operations are answered synchronously on the event loop: a search is evaluated against
 * candidates from the entity index (never a scan when the filter has an indexable
 * assertion) and its entries are encoded straight into the connection's output buffer.
 * docs/ldap.md describes the behaviour clients see.
 */
#ifndef KITH_PROTOCOLS_LDAP_LDAPD_H
#define KITH_PROTOCOLS_LDAP_LDAPD_H

#include "src/proto.h"

struct kith_config;
struct store;
struct ldapd_server;

/* The protocol module for server_listen(); module_ctx is a struct ldapd_server. */
extern const struct proto_module ldapd_module;

/* New server over store (both must outlive it). A TLS context for StartTLS is made from
 * cfg's certificate when it can be loaded; without it StartTLS is refused (protocolError,
 * as slapd does) and not advertised. NULL when memory or randomness run out (logged). */
struct ldapd_server *ldapd_server_new(const struct kith_config *cfg, struct store *store);

/* NULL-safe; sets *ls to NULL. Call after the server (and its connections) are gone. */
void ldapd_server_free(struct ldapd_server **ls);

#endif
