# helper/: frontegg-lockout, the privileged helper and admin CLI, and the
# Frontegg REST client (libcurl + cJSON live only here).
include helper/frontegg/client.mk
