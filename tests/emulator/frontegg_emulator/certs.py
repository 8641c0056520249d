"""The throw-away CA and server certificate (made with the openssl tool)."""

import os
import secrets
import ssl
import subprocess
import tempfile

from .common import CERT_DAYS, CERT_MIN_REMAINING, _unlink_quietly


OPENSSL_CONFIG = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""
# Our own config (instead of the system openssl.cnf) keeps the extensions
# identical everywhere; SKI/AKI and key usages satisfy strict verifiers
# (e.g. Python 3.13's VERIFY_X509_STRICT).

CERT_FILES = ("ca.pem", "ca.key", "server.pem", "server.key", "other-ca.pem", "other-ca.key")


def _openssl(*args):
    proc = subprocess.run(("openssl",) + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" % (args[0], proc.stderr.decode(errors="replace")))


def _cert_still_valid(path):
    proc = subprocess.run(["openssl", "x509", "-checkend", str(CERT_MIN_REMAINING),
                           "-noout", "-in", path],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return proc.returncode == 0


def _new_ca(cnf, key, cert, name):
    _openssl("req", "-x509", "-new", "-config", cnf, "-extensions", "v3_ca",
             "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", key, "-out", cert, "-days", str(CERT_DAYS), "-sha256",
             "-subj", "/CN=%s %s" % (name, secrets.token_hex(4)))


def ensure_certificates(directory):
    """Create (or reuse) DIR/ca.pem, DIR/server.{pem,key} and DIR/other-ca.pem.

    Reuse keeps the CA stable across restarts, so configs pointing at ca.pem
    stay valid.  Everything is generated in a scratch directory and renamed
    into place, so an interrupted run never leaves a mismatched set.
    """
    paths = {name: os.path.join(directory, name) for name in CERT_FILES}
    if all(os.path.exists(p) for p in paths.values()) and \
            _cert_still_valid(paths["server.pem"]) and _cert_still_valid(paths["ca.pem"]):
        return paths
    work = tempfile.mkdtemp(dir=directory, prefix=".certs-")
    old_umask = os.umask(0o077)      # private keys are born 0600
    try:
        w = lambda name: os.path.join(work, name)   # noqa: E731
        cnf = w("openssl.cnf")
        with open(cnf, "w") as f:
            f.write(OPENSSL_CONFIG)
        _new_ca(cnf, w("ca.key"), w("ca.pem"), "pam_frontegg emulator CA")
        _new_ca(cnf, w("other-ca.key"), w("other-ca.pem"), "unrelated emulator CA")
        _openssl("req", "-new", "-config", cnf, "-newkey", "ec",
                 "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", w("server.key"), "-out", w("server.csr"), "-subj", "/CN=localhost")
        _openssl("x509", "-req", "-in", w("server.csr"), "-CA", w("ca.pem"), "-CAkey", w("ca.key"),
                 "-set_serial", "0x" + secrets.token_hex(8), "-days", str(CERT_DAYS),
                 "-sha256", "-extfile", cnf, "-extensions", "v3_server", "-out", w("server.pem"))
        for name in CERT_FILES:
            if name.endswith(".pem"):
                os.chmod(w(name), 0o644)
            os.replace(w(name), paths[name])
    finally:
        os.umask(old_umask)
        for leftover in os.listdir(work):
            _unlink_quietly(os.path.join(work, leftover))
        os.rmdir(work)
    return paths


def make_server_context(paths):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(paths["server.pem"], paths["server.key"])
    return ctx

