/*
 * ldapd_schema.c: the one table of attribute types and object classes the LDAP view serves.
 * The matcher (ldapd_filter_eval.c), the entry renderer (ldapd_entry.c) and cn=Subschema all
 * read it, so what is published is what is matched (CLIENTS.md B2.4). Standard OIDs are from
 * RFC 4519, RFC 4524, RFC 2798, RFC 2079, RFC 4530, RFC 4512; the crm* ones sit on the
 * documentation arc of RFC 5612 (MAPPING.md 4.3), spelled out once in ldapd_schema_arc.
 */
#include "protocols/ldap/ldapd-internal.h"

#include <stdio.h>
#include <string.h>

#include "src/arena.h"
#include "src/config.h"

/* Replace with a registered Private Enterprise Number before release (MAPPING.md decision 10);
 * conf/kith.schema and conf/kith-schema.ldif define the same arc as one OID macro. */
const char ldapd_schema_arc[] = "1.3.6.1.4.1.32473";

#define S_DSTRING "1.3.6.1.4.1.1466.115.121.1.15"
#define S_IA5     "1.3.6.1.4.1.1466.115.121.1.26"
#define S_PHONE   "1.3.6.1.4.1.1466.115.121.1.50"
#define S_DN      "1.3.6.1.4.1.1466.115.121.1.12"
#define S_OID     "1.3.6.1.4.1.1466.115.121.1.38"
#define S_TIME    "1.3.6.1.4.1.1466.115.121.1.24"
#define S_POSTAL  "1.3.6.1.4.1.1466.115.121.1.41"
#define S_JPEG    "1.3.6.1.4.1.1466.115.121.1.28"
#define S_OCTET   "1.3.6.1.4.1.1466.115.121.1.40"
#define S_INT     "1.3.6.1.4.1.1466.115.121.1.27"
#define S_BOOL    "1.3.6.1.4.1.1466.115.121.1.7"
#define S_COUNTRY "1.3.6.1.4.1.1466.115.121.1.11"
#define S_UUID    "1.3.6.1.1.16.1"
#define S_ATDESC  "1.3.6.1.4.1.1466.115.121.1.3"
#define S_OCDESC  "1.3.6.1.4.1.1466.115.121.1.37"
#define S_MRDESC  "1.3.6.1.4.1.1466.115.121.1.30"
#define S_MRUDESC "1.3.6.1.4.1.1466.115.121.1.31"
#define S_SYNDESC "1.3.6.1.4.1.1466.115.121.1.54"

#define CI     LDAPD_M_CI
#define SUBORD (LDAPD_AF_SUBSTR | LDAPD_AF_ORDER)
#define ENT    LDAPD_SRC_ENTITY
#define CARD   LDAPD_SRC_CARD
#define REL    LDAPD_SRC_REL
#define META   LDAPD_SRC_META
#define OPER   LDAPD_AF_OPER

#define A(ID, NAME, ALIAS, OID, SYN, SUP, M, FL, SRC)                                         \
    [LDAPD_A_##ID] = { LDAPD_A_##ID, NAME, ALIAS, OID, SYN, SUP, M, FL, SRC, LDAPD_A_##ID, NULL }
#define AL(ID, NAME, OID, SYN, M, FL, OF)                                                     \
    [LDAPD_A_##ID] = { LDAPD_A_##ID, NAME, NULL, OID, SYN, NULL, M, FL, ENT, LDAPD_A_##OF,    \
        "alias of " #OF " (Active Directory name)" }
#define CRM(ID, NAME, N, SYN, M, FL, SRC, DESC)                                               \
    [LDAPD_A_##ID] = { LDAPD_A_##ID, NAME, NULL, "1.1." #N, SYN, NULL, M, FL, SRC,            \
        LDAPD_A_##ID, DESC }

/* crm OIDs hold only the part below the arc ("1.1.N"); ldapd_attr_oid() completes them. */
static const struct ldapd_attr_def ldapd_attrs[LDAPD_A__COUNT] = {
    A(OBJECTCLASS, "objectClass", NULL, "2.5.4.0", S_OID, NULL, LDAPD_M_OID, 0, ENT),
    A(CN, "cn", "commonName", "2.5.4.3", S_DSTRING, "name", CI, SUBORD, ENT),
    A(SN, "sn", "surname", "2.5.4.4", S_DSTRING, "name", CI, SUBORD, ENT),
    A(C, "c", "countryName", "2.5.4.6", S_COUNTRY, "name", CI, LDAPD_AF_SINGLE, CARD),
    A(L, "l", "localityName", "2.5.4.7", S_DSTRING, "name", CI, SUBORD, CARD),
    A(ST, "st", "stateOrProvinceName", "2.5.4.8", S_DSTRING, "name", CI, SUBORD, CARD),
    A(STREET, "street", "streetAddress", "2.5.4.9", S_DSTRING, NULL, CI, SUBORD, CARD),
    A(O, "o", "organizationName", "2.5.4.10", S_DSTRING, "name", CI, SUBORD, ENT),
    A(OU, "ou", "organizationalUnitName", "2.5.4.11", S_DSTRING, "name", CI, SUBORD, ENT),
    A(TITLE, "title", NULL, "2.5.4.12", S_DSTRING, "name", CI, SUBORD, ENT),
    A(DESCRIPTION, "description", NULL, "2.5.4.13", S_DSTRING, NULL, CI, LDAPD_AF_SUBSTR, CARD),
    A(BUSINESSCATEGORY, "businessCategory", NULL, "2.5.4.15", S_DSTRING, NULL, CI, SUBORD, ENT),
    A(POSTALADDRESS, "postalAddress", NULL, "2.5.4.16", S_POSTAL, NULL, CI, LDAPD_AF_SUBSTR,
            CARD),
    A(POSTALCODE, "postalCode", NULL, "2.5.4.17", S_DSTRING, NULL, CI, SUBORD, CARD),
    A(POSTOFFICEBOX, "postOfficeBox", NULL, "2.5.4.18", S_DSTRING, NULL, CI, LDAPD_AF_SUBSTR,
            CARD),
    A(TELEPHONENUMBER, "telephoneNumber", NULL, "2.5.4.20", S_PHONE, NULL, LDAPD_M_PHONE,
            LDAPD_AF_SUBSTR, ENT),
    A(FAX, "facsimileTelephoneNumber", "fax", "2.5.4.23", S_PHONE, NULL, LDAPD_M_PHONE,
            LDAPD_AF_SUBSTR, ENT),
    A(SEEALSO, "seeAlso", NULL, "2.5.4.34", S_DN, "distinguishedName", LDAPD_M_DN, 0, REL),
    A(NAME, "name", NULL, "2.5.4.41", S_DSTRING, NULL, CI, SUBORD | LDAPD_AF_NEVER, ENT),
    A(GIVENNAME, "givenName", "gn", "2.5.4.42", S_DSTRING, "name", CI, SUBORD, ENT),
    A(INITIALS, "initials", NULL, "2.5.4.43", S_DSTRING, "name", CI, SUBORD, ENT),
    A(UID, "uid", "userid", "0.9.2342.19200300.100.1.1", S_DSTRING, NULL, CI, LDAPD_AF_SUBSTR,
            ENT),
    A(MAIL, "mail", "rfc822Mailbox", "0.9.2342.19200300.100.1.3", S_IA5, NULL, LDAPD_M_IA5CI,
            LDAPD_AF_SUBSTR, ENT),
    A(MANAGER, "manager", NULL, "0.9.2342.19200300.100.1.10", S_DN, "distinguishedName",
            LDAPD_M_DN, 0, REL),
    A(HOMEPHONE, "homePhone", "homeTelephoneNumber", "0.9.2342.19200300.100.1.20", S_PHONE,
            NULL, LDAPD_M_PHONE, LDAPD_AF_SUBSTR, ENT),
    A(SECRETARY, "secretary", NULL, "0.9.2342.19200300.100.1.21", S_DN, "distinguishedName",
            LDAPD_M_DN, 0, REL),
    A(DC, "dc", "domainComponent", "0.9.2342.19200300.100.1.25", S_IA5, NULL, LDAPD_M_IA5CI,
            LDAPD_AF_SUBSTR | LDAPD_AF_SINGLE, ENT),
    A(HOMEPOSTALADDRESS, "homePostalAddress", NULL, "0.9.2342.19200300.100.1.39", S_POSTAL,
            NULL, CI, LDAPD_AF_SUBSTR, CARD),
    A(MOBILE, "mobile", "mobileTelephoneNumber", "0.9.2342.19200300.100.1.41", S_PHONE, NULL,
            LDAPD_M_PHONE, LDAPD_AF_SUBSTR, ENT),
    A(PAGER, "pager", "pagerTelephoneNumber", "0.9.2342.19200300.100.1.42", S_PHONE, NULL,
            LDAPD_M_PHONE, LDAPD_AF_SUBSTR, ENT),
    A(CO, "co", "friendlyCountryName", "0.9.2342.19200300.100.1.43", S_DSTRING, NULL, CI,
            LDAPD_AF_SUBSTR, CARD),
    A(JPEGPHOTO, "jpegPhoto", NULL, "0.9.2342.19200300.100.1.60", S_JPEG, NULL, LDAPD_M_NONE,
            LDAPD_AF_BINARY, CARD),
    A(LABELEDURI, "labeledURI", NULL, "1.3.6.1.4.1.250.1.57", S_DSTRING, NULL, LDAPD_M_CE, 0,
            CARD),
    A(DEPARTMENTNUMBER, "departmentNumber", NULL, "2.16.840.1.113730.3.1.2", S_DSTRING, NULL,
            CI, LDAPD_AF_SUBSTR, CARD),
    A(EMPLOYEENUMBER, "employeeNumber", NULL, "2.16.840.1.113730.3.1.3", S_DSTRING, NULL, CI,
            LDAPD_AF_SUBSTR | LDAPD_AF_SINGLE, CARD),
    A(EMPLOYEETYPE, "employeeType", NULL, "2.16.840.1.113730.3.1.4", S_DSTRING, NULL, CI,
            LDAPD_AF_SUBSTR, ENT),
    A(PREFERREDLANGUAGE, "preferredLanguage", NULL, "2.16.840.1.113730.3.1.39", S_DSTRING,
            NULL, CI, LDAPD_AF_SUBSTR | LDAPD_AF_SINGLE, CARD),
    A(DISPLAYNAME, "displayName", NULL, "2.16.840.1.113730.3.1.241", S_DSTRING, NULL, CI,
            SUBORD | LDAPD_AF_SINGLE, ENT),
    AL(IPPHONE, "ipPhone", "1.2.840.113556.1.4.721", S_PHONE, LDAPD_M_PHONE, LDAPD_AF_SUBSTR,
            TELEPHONENUMBER),
    AL(COMPANY, "company", "1.2.840.113556.1.2.146", S_DSTRING, CI, SUBORD, O),
    AL(DEPARTMENT, "department", "1.2.840.113556.1.2.141", S_DSTRING, CI, SUBORD, OU),
    CRM(CRMID, "crmId", 1, S_UUID, LDAPD_M_UUID, LDAPD_AF_SINGLE | LDAPD_AF_ORDER, ENT,
            "entity UUID"),
    CRM(CRMKIND, "crmKind", 2, S_DSTRING, CI, LDAPD_AF_SINGLE, ENT,
            "person, organization or department"),
    CRM(CRMFOLDER, "crmFolder", 3, S_DSTRING, CI, LDAPD_AF_SUBSTR, ENT,
            "address book holding the entity"),
    CRM(CRMRELATIONSHIP, "crmRelationship", 4, S_DSTRING, LDAPD_M_CE, 0, META,
            "type=...;target=...;rel=...;role=...;start=...;end="),
    CRM(CRMACTIVITY, "crmActivity", 5, S_DSTRING, LDAPD_M_CE, 0, ENT,
            "UTC date-time, type, CalDAV href, summary"),
    CRM(CRMCUSTOMFIELD, "crmCustomField", 6, S_DSTRING, CI, LDAPD_AF_SUBSTR, CARD,
            "name=value"),
    CRM(CRMOWNER, "crmOwner", 7, S_DN, LDAPD_M_DN, LDAPD_AF_SINGLE, CARD, "owning staff entry"),
    CRM(CRMCONTACTTYPE, "crmContactType", 8, S_DSTRING, CI, LDAPD_AF_SINGLE, CARD,
            "CRM user type: lead, customer, ..."),
    CRM(CRMVCARD, "crmVCard", 9, S_OCTET, LDAPD_M_OCTET, LDAPD_AF_SINGLE | LDAPD_AF_NEVER, CARD,
            "vCard 4.0, LDIF export only"),
    A(ENTRYUUID, "entryUUID", NULL, "1.3.6.1.1.16.4", S_UUID, NULL, LDAPD_M_UUID,
            OPER | LDAPD_AF_SINGLE | LDAPD_AF_ORDER, META),
    A(CREATETIMESTAMP, "createTimestamp", NULL, "2.5.18.1", S_TIME, NULL, LDAPD_M_TIME,
            OPER | LDAPD_AF_SINGLE | LDAPD_AF_ORDER, META),
    A(MODIFYTIMESTAMP, "modifyTimestamp", NULL, "2.5.18.2", S_TIME, NULL, LDAPD_M_TIME,
            OPER | LDAPD_AF_SINGLE | LDAPD_AF_ORDER, META),
    A(SUBSCHEMASUBENTRY, "subschemaSubentry", NULL, "2.5.18.10", S_DN, NULL, LDAPD_M_DN,
            OPER | LDAPD_AF_SINGLE, META),
    A(ENTRYDN, "entryDN", NULL, "1.3.6.1.1.20", S_DN, NULL, LDAPD_M_DN, OPER | LDAPD_AF_SINGLE,
            META),
    A(HASSUBORDINATES, "hasSubordinates", NULL, "2.5.18.9", S_BOOL, NULL, LDAPD_M_BOOL,
            OPER | LDAPD_AF_SINGLE, META),
    A(STRUCTURALOBJECTCLASS, "structuralObjectClass", NULL, "2.5.21.9", S_OID, NULL,
            LDAPD_M_OID, OPER | LDAPD_AF_SINGLE, META),
    A(NAMINGCONTEXTS, "namingContexts", NULL, "1.3.6.1.4.1.1466.101.120.5", S_DN, NULL,
            LDAPD_M_DN, OPER, ENT),
    A(SUPPORTEDCONTROL, "supportedControl", NULL, "1.3.6.1.4.1.1466.101.120.13", S_OID, NULL,
            LDAPD_M_OID, OPER, ENT),
    A(SUPPORTEDEXTENSION, "supportedExtension", NULL, "1.3.6.1.4.1.1466.101.120.7", S_OID,
            NULL, LDAPD_M_OID, OPER, ENT),
    A(SUPPORTEDFEATURES, "supportedFeatures", NULL, "1.3.6.1.4.1.4203.1.3.5", S_OID, NULL,
            LDAPD_M_OID, OPER, ENT),
    A(SUPPORTEDLDAPVERSION, "supportedLDAPVersion", NULL, "1.3.6.1.4.1.1466.101.120.15", S_INT,
            NULL, LDAPD_M_INT, OPER, ENT),
    A(SUPPORTEDSASLMECHANISMS, "supportedSASLMechanisms", NULL, "1.3.6.1.4.1.1466.101.120.14",
            S_DSTRING, NULL, CI, OPER, ENT),
    A(VENDORNAME, "vendorName", NULL, "1.3.6.1.1.4", S_DSTRING, NULL, CI,
            OPER | LDAPD_AF_SINGLE, ENT),
    A(VENDORVERSION, "vendorVersion", NULL, "1.3.6.1.1.5", S_DSTRING, NULL, CI,
            OPER | LDAPD_AF_SINGLE, ENT),
    A(LDAPSYNTAXES, "ldapSyntaxes", NULL, "1.3.6.1.4.1.1466.101.120.16", S_SYNDESC, NULL,
            LDAPD_M_NONE, OPER, ENT),
    A(MATCHINGRULES, "matchingRules", NULL, "2.5.21.4", S_MRDESC, NULL, LDAPD_M_NONE, OPER, ENT),
    A(MATCHINGRULEUSE, "matchingRuleUse", NULL, "2.5.21.8", S_MRUDESC, NULL, LDAPD_M_NONE, OPER,
            ENT),
    A(ATTRIBUTETYPES, "attributeTypes", NULL, "2.5.21.5", S_ATDESC, NULL, LDAPD_M_NONE, OPER,
            ENT),
    A(OBJECTCLASSES, "objectClasses", NULL, "2.5.21.6", S_OCDESC, NULL, LDAPD_M_NONE, OPER, ENT),
};

const struct ldapd_attr_def *ldapd_schema_attr(enum ldapd_attr_id id)
{
    return id < LDAPD_A__COUNT ? &ldapd_attrs[id] : NULL;
}

/* Case-insensitive equality of an ASCII descriptor with a table name, without strlen. */
static bool ldapd_name_eq(struct str_view type, const char *name)
{
    size_t i = 0;
    for (; i < type.len; i++) {
        unsigned char c = (unsigned char)type.ptr[i], n = (unsigned char)name[i];
        c = c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
        n = n >= 'A' && n <= 'Z' ? (unsigned char)(n | 0x20) : n;
        if (n == '\0' || c != n) {
            return false;
        }
    }
    return name[i] == '\0';
}

static bool ldapd_is_crm(const struct ldapd_attr_def *d)
{
    return d->id >= LDAPD_A_CRMID && d->id <= LDAPD_A_CRMVCARD;
}

/* Full OID of d into buf (crm ones are relative to the arc). */
static const char *ldapd_attr_oid(const struct ldapd_attr_def *d, char *buf, size_t size)
{
    if (!ldapd_is_crm(d)) {
        return d->oid;
    }
    snprintf(buf, size, "%s.%s", ldapd_schema_arc, d->oid);
    return buf;
}

const struct ldapd_attr_def *ldapd_schema_find(struct str_view type)
{
    if (type.len == 0) {
        return NULL;
    }
    /* RFC 4512 2.5: a descriptor starts with a letter, a numeric OID with a digit; only the
     * (rare) numeric form needs the OIDs spelled out. Every filter item and selected
     * attribute comes through here, so the name path does no formatting. */
    bool numeric = type.ptr[0] >= '0' && type.ptr[0] <= '9';
    char oid[64];
    for (size_t i = 0; i < LDAPD_A__COUNT; i++) {
        const struct ldapd_attr_def *d = &ldapd_attrs[i];
        if (numeric) {
            if (str_view_eq(type, str_view_of(ldapd_attr_oid(d, oid, sizeof(oid))))) {
                return d;
            }
        } else if (ldapd_name_eq(type, d->name) || (d->alias && ldapd_name_eq(type, d->alias))) {
            return d;
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------ object classes */

struct ldapd_oc_def {
    const char *name;
    const char *oid; /* NULL: crm, below the arc as 1.2.1 */
    const char *sup;
    const char *kind; /* STRUCTURAL, AUXILIARY, ABSTRACT */
    const char *must;
    const char *may;
};

static const struct ldapd_oc_def ldapd_ocs[] = {
    { "top", "2.5.6.0", NULL, "ABSTRACT", "objectClass", NULL },
    { "person", "2.5.6.6", "top", "STRUCTURAL", "sn $ cn",
            "userPassword $ telephoneNumber $ seeAlso $ description" },
    { "organizationalPerson", "2.5.6.7", "person", "STRUCTURAL", NULL,
            "title $ x121Address $ registeredAddress $ destinationIndicator $ "
            "preferredDeliveryMethod $ telexNumber $ teletexTerminalIdentifier $ "
            "telephoneNumber $ internationaliSDNNumber $ facsimileTelephoneNumber $ street $ "
            "postOfficeBox $ postalCode $ postalAddress $ physicalDeliveryOfficeName $ ou $ "
            "st $ l" },
    { "inetOrgPerson", "2.16.840.1.113730.3.2.2", "organizationalPerson", "STRUCTURAL", NULL,
            "audio $ businessCategory $ carLicense $ departmentNumber $ displayName $ "
            "employeeNumber $ employeeType $ givenName $ homePhone $ homePostalAddress $ "
            "initials $ jpegPhoto $ labeledURI $ mail $ manager $ mobile $ o $ pager $ photo $ "
            "roomNumber $ secretary $ uid $ userCertificate $ x500uniqueIdentifier $ "
            "preferredLanguage $ userSMIMECertificate $ userPKCS12" },
    { "organization", "2.5.6.4", "top", "STRUCTURAL", "o",
            "userPassword $ searchGuide $ seeAlso $ businessCategory $ x121Address $ "
            "registeredAddress $ destinationIndicator $ preferredDeliveryMethod $ "
            "telexNumber $ teletexTerminalIdentifier $ telephoneNumber $ "
            "internationaliSDNNumber $ facsimileTelephoneNumber $ street $ postOfficeBox $ "
            "postalCode $ postalAddress $ physicalDeliveryOfficeName $ st $ l $ description" },
    { "organizationalUnit", "2.5.6.5", "top", "STRUCTURAL", "ou",
            "userPassword $ searchGuide $ seeAlso $ businessCategory $ x121Address $ "
            "registeredAddress $ destinationIndicator $ preferredDeliveryMethod $ "
            "telexNumber $ teletexTerminalIdentifier $ telephoneNumber $ "
            "internationaliSDNNumber $ facsimileTelephoneNumber $ street $ postOfficeBox $ "
            "postalCode $ postalAddress $ physicalDeliveryOfficeName $ st $ l $ description" },
    { "dcObject", "1.3.6.1.4.1.1466.344", "top", "AUXILIARY", "dc", NULL },
    { "subschema", "2.5.20.1", NULL, "AUXILIARY", NULL,
            "dITStructureRules $ nameForms $ dITContentRules $ objectClasses $ "
            "attributeTypes $ matchingRules $ matchingRuleUse" },
    { "extensibleObject", "1.3.6.1.4.1.1466.101.120.111", "top", "AUXILIARY", NULL, NULL },
    { "crmEntity", NULL, "top", "AUXILIARY", NULL,
            "crmId $ crmKind $ crmFolder $ crmRelationship $ crmActivity $ crmCustomField $ "
            "crmOwner $ crmContactType $ crmVCard $ mail $ labeledURI $ c $ co $ jpegPhoto $ "
            "businessCategory" },
};

#define LDAPD_N_OCS (sizeof(ldapd_ocs) / sizeof(ldapd_ocs[0]))

static const char *ldapd_oc_oid(const struct ldapd_oc_def *oc, char *buf, size_t size)
{
    if (oc->oid != NULL) {
        return oc->oid;
    }
    snprintf(buf, size, "%s.1.2.1", ldapd_schema_arc);
    return buf;
}

bool ldapd_schema_oc_match(struct str_view value, struct str_view assertion)
{
    if (str_view_eq_nocase(value, assertion)) {
        return true;
    }
    char buf[64];
    for (size_t i = 0; i < LDAPD_N_OCS; i++) {
        if (str_view_eq_cstr_nocase(value, ldapd_ocs[i].name)) {
            return str_view_eq(assertion, str_view_of(ldapd_oc_oid(&ldapd_ocs[i], buf,
                                                  sizeof(buf))));
        }
    }
    return false;
}

/* ------------------------------------------------------------------ subschema rendering */

struct ldapd_rule {
    const char *oid;
    const char *name;
    const char *syntax;
};

static const struct ldapd_rule ldapd_rules[] = {
    { "2.5.13.0", "objectIdentifierMatch", S_OID },
    { "2.5.13.1", "distinguishedNameMatch", S_DN },
    { "2.5.13.2", "caseIgnoreMatch", S_DSTRING },
    { "2.5.13.3", "caseIgnoreOrderingMatch", S_DSTRING },
    { "2.5.13.4", "caseIgnoreSubstringsMatch", "1.3.6.1.4.1.1466.115.121.1.58" },
    { "2.5.13.5", "caseExactMatch", S_DSTRING },
    { "2.5.13.11", "caseIgnoreListMatch", S_POSTAL },
    { "2.5.13.12", "caseIgnoreListSubstringsMatch", "1.3.6.1.4.1.1466.115.121.1.58" },
    { "2.5.13.13", "booleanMatch", S_BOOL },
    { "2.5.13.14", "integerMatch", S_INT },
    { "2.5.13.17", "octetStringMatch", S_OCTET },
    { "2.5.13.20", "telephoneNumberMatch", S_PHONE },
    { "2.5.13.21", "telephoneNumberSubstringsMatch", "1.3.6.1.4.1.1466.115.121.1.58" },
    { "2.5.13.27", "generalizedTimeMatch", S_TIME },
    { "2.5.13.28", "generalizedTimeOrderingMatch", S_TIME },
    { "1.3.6.1.4.1.1466.109.114.2", "caseIgnoreIA5Match", S_IA5 },
    { "1.3.6.1.4.1.1466.109.114.3", "caseIgnoreIA5SubstringsMatch",
            "1.3.6.1.4.1.1466.115.121.1.58" },
    { "1.3.6.1.1.16.2", "uuidMatch", S_UUID },
    { "1.3.6.1.1.16.3", "uuidOrderingMatch", S_UUID },
};

static const struct { const char *oid, *desc; } ldapd_syntaxes[] = {
    { S_ATDESC, "Attribute Type Description" },
    { S_BOOL, "Boolean" },
    { S_COUNTRY, "Country String" },
    { S_DN, "DN" },
    { S_DSTRING, "Directory String" },
    { S_TIME, "Generalized Time" },
    { S_IA5, "IA5 String" },
    { S_INT, "INTEGER" },
    { S_JPEG, "JPEG" },
    { S_MRDESC, "Matching Rule Description" },
    { S_MRUDESC, "Matching Rule Use Description" },
    { S_OCDESC, "Object Class Description" },
    { S_OCTET, "Octet String" },
    { S_OID, "OID" },
    { S_POSTAL, "Postal Address" },
    { S_PHONE, "Telephone Number" },
    { S_SYNDESC, "LDAP Syntax Description" },
    { "1.3.6.1.4.1.1466.115.121.1.58", "Substring Assertion" },
    { S_UUID, "UUID" },
};

static void ldapd_attr_rules(const struct ldapd_attr_def *d, const char **eq, const char **sub,
        const char **ord)
{
    *eq = *sub = *ord = NULL;
    switch (d->match) {
    case LDAPD_M_CI:
        *eq = !strcmp(d->syntax, S_POSTAL) ? "caseIgnoreListMatch" : "caseIgnoreMatch";
        *sub = !strcmp(d->syntax, S_POSTAL) ? "caseIgnoreListSubstringsMatch"
                                     : "caseIgnoreSubstringsMatch";
        *ord = "caseIgnoreOrderingMatch";
        break;
    case LDAPD_M_CE:
        *eq = "caseExactMatch";
        break;
    case LDAPD_M_IA5CI:
        *eq = "caseIgnoreIA5Match";
        *sub = "caseIgnoreIA5SubstringsMatch";
        break;
    case LDAPD_M_PHONE:
        *eq = "telephoneNumberMatch";
        *sub = "telephoneNumberSubstringsMatch";
        break;
    case LDAPD_M_DN:
        *eq = "distinguishedNameMatch";
        break;
    case LDAPD_M_OID:
        *eq = "objectIdentifierMatch";
        break;
    case LDAPD_M_TIME:
        *eq = "generalizedTimeMatch";
        *ord = "generalizedTimeOrderingMatch";
        break;
    case LDAPD_M_UUID:
        *eq = "uuidMatch";
        *ord = "uuidOrderingMatch";
        break;
    case LDAPD_M_INT:
        *eq = "integerMatch";
        break;
    case LDAPD_M_BOOL:
        *eq = "booleanMatch";
        break;
    case LDAPD_M_OCTET:
        *eq = "octetStringMatch";
        break;
    case LDAPD_M_NONE:
        break;
    }
    if (!(d->flags & LDAPD_AF_SUBSTR)) {
        *sub = NULL;
    }
    if (!(d->flags & LDAPD_AF_ORDER)) {
        *ord = NULL;
    }
}

/* RFC 4512 4.1.2 AttributeTypeDescription. */
static void ldapd_attr_describe(struct strbuf *sb, const struct ldapd_attr_def *d)
{
    char oid[64];
    const char *eq, *sub, *ord;
    ldapd_attr_rules(d, &eq, &sub, &ord);
    strbuf_appendf(sb, "( %s NAME ", ldapd_attr_oid(d, oid, sizeof(oid)));
    if (d->alias) {
        strbuf_appendf(sb, "( '%s' '%s' )", d->name, d->alias);
    } else {
        strbuf_appendf(sb, "'%s'", d->name);
    }
    if (d->desc) {
        strbuf_appendf(sb, " DESC '%s'", d->desc);
    }
    if (d->sup) {
        strbuf_appendf(sb, " SUP %s", d->sup);
    }
    if (eq) {
        strbuf_appendf(sb, " EQUALITY %s", eq);
    }
    if (ord) {
        strbuf_appendf(sb, " ORDERING %s", ord);
    }
    if (sub) {
        strbuf_appendf(sb, " SUBSTR %s", sub);
    }
    strbuf_appendf(sb, " SYNTAX %s", d->syntax);
    if (d->flags & LDAPD_AF_SINGLE) {
        strbuf_append_cstr(sb, " SINGLE-VALUE");
    }
    if (d->flags & LDAPD_AF_OPER) {
        strbuf_append_cstr(sb, " NO-USER-MODIFICATION USAGE ");
        strbuf_append_cstr(sb, d->id >= LDAPD_A_NAMINGCONTEXTS ? "dSAOperation"
                                                               : "directoryOperation");
    }
    strbuf_append_cstr(sb, " )");
}

/* Object classes may list attributes we do not serve (x121Address); only the ones we know
 * go into the published MUST/MAY, so a schema browser never meets an undefined name. */
static void ldapd_oc_list(struct strbuf *sb, const char *what, const char *list)
{
    if (list == NULL) {
        return;
    }
    struct strbuf names;
    strbuf_init(&names, sb->arena, 256);
    size_t n = 0;
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, " $");
        if (len > 0 && ldapd_schema_find(str_view_make(p, len)) != NULL) {
            if (n++) {
                strbuf_append_cstr(&names, " $ ");
            }
            strbuf_append(&names, p, len);
        }
        p += len;
        p += strspn(p, " $");
    }
    if (n == 1) {
        strbuf_appendf(sb, " %s %s", what, names.ptr);
    } else if (n > 1) {
        strbuf_appendf(sb, " %s ( %s )", what, names.ptr);
    }
}

static void ldapd_oc_describe(struct strbuf *sb, const struct ldapd_oc_def *oc)
{
    char oid[64];
    strbuf_appendf(sb, "( %s NAME '%s'", ldapd_oc_oid(oc, oid, sizeof(oid)), oc->name);
    if (oc->sup) {
        strbuf_appendf(sb, " SUP %s", oc->sup);
    }
    strbuf_appendf(sb, " %s", oc->kind);
    ldapd_oc_list(sb, "MUST", oc->must);
    ldapd_oc_list(sb, "MAY", oc->may);
    strbuf_append_cstr(sb, " )");
}

static void ldapd_add_desc(struct ldapd_entry *e, enum ldapd_attr_id id, struct strbuf *sb)
{
    ldapd_entry_add(e, id, str_view_make(sb->ptr, sb->len));
}

void ldapd_schema_subschema(struct ldapd_entry *e)
{
    ldapd_entry_add_cstr(e, LDAPD_A_OBJECTCLASS, "top");
    ldapd_entry_add_cstr(e, LDAPD_A_OBJECTCLASS, "subentry");
    ldapd_entry_add_cstr(e, LDAPD_A_OBJECTCLASS, "subschema");
    ldapd_entry_add_cstr(e, LDAPD_A_OBJECTCLASS, "extensibleObject");
    ldapd_entry_add_cstr(e, LDAPD_A_CN, "Subschema");
    ldapd_entry_add_cstr(e, LDAPD_A_STRUCTURALOBJECTCLASS, "subentry");
    ldapd_entry_add_cstr(e, LDAPD_A_ENTRYDN, "cn=Subschema");
    ldapd_entry_add_cstr(e, LDAPD_A_SUBSCHEMASUBENTRY, "cn=Subschema");
    ldapd_entry_add_cstr(e, LDAPD_A_CREATETIMESTAMP, "20260101000000Z");
    ldapd_entry_add_cstr(e, LDAPD_A_MODIFYTIMESTAMP, "20260101000000Z");
    struct strbuf sb;
    for (size_t i = 0; i < sizeof(ldapd_syntaxes) / sizeof(ldapd_syntaxes[0]); i++) {
        strbuf_init(&sb, e->a, 96);
        strbuf_appendf(&sb, "( %s DESC '%s' )", ldapd_syntaxes[i].oid, ldapd_syntaxes[i].desc);
        ldapd_add_desc(e, LDAPD_A_LDAPSYNTAXES, &sb);
    }
    for (size_t i = 0; i < sizeof(ldapd_rules) / sizeof(ldapd_rules[0]); i++) {
        const struct ldapd_rule *r = &ldapd_rules[i];
        strbuf_init(&sb, e->a, 96);
        strbuf_appendf(&sb, "( %s NAME '%s' SYNTAX %s )", r->oid, r->name, r->syntax);
        ldapd_add_desc(e, LDAPD_A_MATCHINGRULES, &sb);
        /* matchingRuleUse (RFC 4512 4.1.4): the attributes whose rules include this one. */
        struct strbuf use;
        strbuf_init(&use, e->a, 256);
        size_t n = 0;
        for (size_t j = 0; j < LDAPD_A__COUNT; j++) {
            const char *eq, *sub, *ord;
            ldapd_attr_rules(&ldapd_attrs[j], &eq, &sub, &ord);
            if ((eq && !strcmp(eq, r->name)) || (sub && !strcmp(sub, r->name)) ||
                    (ord && !strcmp(ord, r->name))) {
                strbuf_appendf(&use, "%s%s", n++ ? " $ " : "", ldapd_attrs[j].name);
            }
        }
        if (n > 0) {
            strbuf_init(&sb, e->a, 256);
            strbuf_appendf(&sb, "( %s NAME '%s' APPLIES %s%s%s )", r->oid, r->name,
                    n > 1 ? "( " : "", use.ptr, n > 1 ? " )" : "");
            ldapd_add_desc(e, LDAPD_A_MATCHINGRULEUSE, &sb);
        }
    }
    for (size_t i = 0; i < LDAPD_A__COUNT; i++) {
        strbuf_init(&sb, e->a, 160);
        ldapd_attr_describe(&sb, &ldapd_attrs[i]);
        ldapd_add_desc(e, LDAPD_A_ATTRIBUTETYPES, &sb);
    }
    for (size_t i = 0; i < LDAPD_N_OCS; i++) {
        strbuf_init(&sb, e->a, 256);
        ldapd_oc_describe(&sb, &ldapd_ocs[i]);
        ldapd_add_desc(e, LDAPD_A_OBJECTCLASSES, &sb);
    }
}

void ldapd_schema_root_dse(struct ldapd_entry *e)
{
    struct ldapd_server *srv = e->op->srv;
    ldapd_entry_add_cstr(e, LDAPD_A_OBJECTCLASS, "top");
    ldapd_entry_add_cstr(e, LDAPD_A_OBJECTCLASS, "extensibleObject");
    ldapd_entry_add(e, LDAPD_A_NAMINGCONTEXTS, srv->suffix);
    ldapd_entry_add_cstr(e, LDAPD_A_SUBSCHEMASUBENTRY, "cn=Subschema");
    ldapd_entry_add_cstr(e, LDAPD_A_SUPPORTEDLDAPVERSION, "3");
    ldapd_entry_add_cstr(e, LDAPD_A_SUPPORTEDCONTROL, LDAPD_OID_PAGED_RESULTS);
    ldapd_entry_add_cstr(e, LDAPD_A_SUPPORTEDCONTROL, LDAPD_OID_SORT_REQUEST);
    ldapd_entry_add_cstr(e, LDAPD_A_SUPPORTEDCONTROL, LDAPD_OID_VLV_REQUEST);
    ldapd_entry_add_cstr(e, LDAPD_A_SUPPORTEDCONTROL, LDAPD_OID_MANAGE_DSA_IT);
    if (srv->tls_ctx != NULL) { /* slapd too leaves StartTLS out when TLS is not set up */
        ldapd_entry_add_cstr(e, LDAPD_A_SUPPORTEDEXTENSION, LDAPD_OID_STARTTLS);
    }
    ldapd_entry_add_cstr(e, LDAPD_A_SUPPORTEDEXTENSION, LDAPD_OID_WHOAMI);
    ldapd_entry_add_cstr(e, LDAPD_A_SUPPORTEDFEATURES, "1.3.6.1.4.1.4203.1.5.1"); /* RFC 3673 */
    ldapd_entry_add_cstr(e, LDAPD_A_SUPPORTEDFEATURES, "1.3.6.1.4.1.4203.1.5.2"); /* RFC 4529 */
    ldapd_entry_add_cstr(e, LDAPD_A_SUPPORTEDFEATURES, "1.3.6.1.4.1.4203.1.5.3"); /* RFC 4526 */
    ldapd_entry_add_cstr(e, LDAPD_A_VENDORNAME, "Kith");
    ldapd_entry_add_cstr(e, LDAPD_A_VENDORVERSION, KITH_VERSION);
}
