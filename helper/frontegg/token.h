/*
 * The token layer: every rule about the vendor token lives in token.c, and
 * fg_call_authed is how the operations send a request with it.
 */
#ifndef PF_FG_TOKEN_H
#define PF_FG_TOKEN_H

#include "request.h"

/*
 * Sends the call with the vendor token (fetched or renewed as needed), and
 * once more with a fresh token after a 401. Same contract as fg_request.
 */
enum fg_result fg_call_authed(struct fg_client *c, const struct fg_call *call,
			      struct fg_http_response *resp);

#endif
