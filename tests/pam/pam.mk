# tests/pam/: PAM-stack tests under pam_wrapper + libpamtest.
