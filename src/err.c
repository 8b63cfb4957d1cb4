#include "src/err.h"

#include <string.h>

const char *err_str(int err)
{
    switch (err) {
    case ERR_OK:
        return "success";
    case ERR_NOT_FOUND:
        return "not found";
    case ERR_EXISTS:
        return "already exists";
    case ERR_PRECONDITION:
        return "precondition failed";
    case ERR_CONFLICT:
        return "conflict";
    case ERR_TOO_LARGE:
        return "too large";
    case ERR_NO_SPACE:
        return "store is full";
    case ERR_DENIED:
        return "permission denied";
    case ERR_CORRUPT:
        return "store is corrupt";
    case ERR_UNSUPPORTED:
        return "not supported";
    default:
        break;
    }
    if (err < 0 && err > -1000) {
        return strerror(-err);
    }
    return "unknown error";
}
