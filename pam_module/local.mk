# pam_module/: pam_frontegg.so, the PAM glue (no network code).
