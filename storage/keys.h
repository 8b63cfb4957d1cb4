/*
 * keys.h: the LMDB key layout of a Kith store (format version 2). Private to storage/.
 *
 * One environment (data.mdb + lock.mdb in the data directory), one named database (DBI) per
 * table below. Integers in keys are big-endian so that byte order is numeric order; "\0"
 * separates variable-length parts where a later part follows. Values called rec(...) are
 * records in the tagged format of storage/record.h (forward compatible: readers skip tags
 * they do not know, so later versions can add fields without a migration).
 *
 *   DBI          key                                   value
 *   meta         "version"                             u32 format version (1)
 *                "rev"                                 u64 last store-wide revision
 *                "coll_id"                             u64 last collection id
 *   users        name                                  rec(user)
 *   user_emails  lower(email)                          name
 *   colls        u64 coll_id                           rec(collection)
 *   coll_paths   owner, "\0", u8 kind, slug            u64 coll_id
 *   res          u64 coll_id, name                     rec(resource metadata)
 *   bodies       u64 coll_id, name                     exact body bytes
 *   res_uids     u64 coll_id, uid                      name
 *   changes      u64 coll_id, u64 seq                  u8 deleted, name
 *   tombstones   u64 coll_id, name                     u64 seq of its deletion entry
 *   props        u64 coll_id, name, "\0", qname        value (XML text)
 *   user_props   user, "\0", qname                     value (XML text): principal and home
 *   entities     16-byte entity id                     rec(entity)
 *   ix           u8 index, value, "\0"                 entity ids (DUPSORT, DUPFIXED); see
 *                                                      enum store_index
 *
 *   timeranges   u64 coll_id, name                     i64 first start, i64 last end (CalDAV)
 *
 * Reserved for what comes next (created empty now so later versions need no migration):
 *   rels         16-byte relationship id               rec(relationship) (CRM layer)
 *   acl          u64 coll_id, principal                u8 level (folder permissions)
 *   groups       name                                  rec(group)
 *   audit        u64 time, u64 rev                     rec(audit entry)
 *
 * Invariants (checked by store_check):
 *   - every res key has a bodies key and vice versa, with size == body length;
 *   - res_uids maps exactly the non-empty UIDs of res records of the same collection;
 *   - every live resource has exactly one changes entry, at its seq; tombstones (deleted=1)
 *     name no live resource and each has a tombstones key (and vice versa); every seq is
 *     <= the collection's sync_seq;
 *   - a collection's count and bytes equal the sum over its res records;
 *   - every res record with an entity id has an entities record pointing back to it, and
 *     every entities record's resource exists; every ix key names an existing entity whose
 *     record yields that key;
 *   - every coll_paths key names an existing collection with that kind, owner and slug;
 *     every collection's owner exists;
 *   - no rev is greater than meta "rev".
 *
 * Change log: a resource's earlier change entry is deleted when it changes again, so the
 * log holds one entry per live resource plus tombstones, and sync from token T reads only
 * the entries after T (cost proportional to the changes, not the collection).
 */
#ifndef KITH_STORE_KEYS_H
#define KITH_STORE_KEYS_H

#define STORE_FORMAT_VERSION 2

#define STORE_NAME_MAX  255 /* resource name bytes */
#define STORE_UID_MAX   255 /* UID bytes */
#define STORE_SLUG_MAX  128 /* collection slug bytes */
#define STORE_LOGIN_MAX 64  /* user name bytes */
#define STORE_QNAME_MAX 200 /* dead property "{ns}name" bytes */
#define STORE_IXVAL_MAX 200 /* indexed value bytes (longer values are cut) */

#endif
