#!/usr/bin/env bash
# Regenerates the test PKI. Every key written here is public test material.
#
#   src/fake/pki/ca.pem          "losant-rest test CA" (trusted by tests)
#   src/fake/pki/server.pem      localhost, api.losant.test, 127.0.0.1, signed by the CA, then the CA
#   src/fake/pki/server.key      its key
#   tests/pki/ca.key             the CA's key, to sign more certificates
#   tests/pki/untrusted.pem      same names, signed by an unrelated CA (chain: leaf, that CA)
#   tests/pki/untrusted.key
#   tests/pki/expired.pem        same names, signed by the test CA, valid 2000-2001 only (chain: leaf, CA)
#   tests/pki/expired.key
#   tests/pki/csr-as-certificate.pem  a certificate request in a CERTIFICATE block: the outer
#                                shape of a certificate (SEQUENCE of SEQUENCE, SEQUENCE, BIT STRING)
#                                that no TLS library accepts as one
#
# The fake embeds the files under src/fake/pki (only src/ ships in the
# package); the negative-test material stays under tests/pki.
# Needs OpenSSL 1.1.1 or later. Run from anywhere: ./tests/pki/make-pki.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
src="$root/src/fake/pki"
tests="$root/tests/pki"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$src" "$tests"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

cat >"$work/ext.cnf" <<'CNF'
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, DNS:api.losant.test, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF

# A self-signed CA: $1 key, $2 cert, $3 common name.
make_ca() {
  key "$1"
  openssl req -new -x509 -key "$1" -out "$2" -days 36500 -sha256 \
    -subj "/O=losant-rest tests/CN=$3" -config "$work/ext.cnf" -extensions ca
}

# A server certificate: $1 key, $2 cert, $3 CA key, $4 CA cert.
make_server() {
  key "$1"
  openssl req -new -key "$1" -out "$work/req.csr" -subj "/O=losant-rest tests/CN=localhost"
  openssl x509 -req -in "$work/req.csr" -CA "$4" -CAkey "$3" -CAcreateserial \
    -out "$2" -days 36500 -sha256 -extfile "$work/ext.cnf" -extensions server
}

make_ca "$tests/ca.key" "$src/ca.pem" "losant-rest test CA"
make_server "$src/server.key" "$work/server.pem" "$tests/ca.key" "$src/ca.pem"
cat "$work/server.pem" "$src/ca.pem" >"$src/server.pem"

make_ca "$work/other-ca.key" "$work/other-ca.pem" "unrelated test CA"
make_server "$tests/untrusted.key" "$work/untrusted.pem" "$work/other-ca.key" "$work/other-ca.pem"
cat "$work/untrusted.pem" "$work/other-ca.pem" >"$tests/untrusted.pem"

# `openssl x509 -req` cannot set a start date before OpenSSL 3.4; `openssl ca` can.
mkdir -p "$work/ca/new"
: >"$work/ca/index.txt"
echo 1000 >"$work/ca/serial"
cat >"$work/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
dir = $work/ca
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
default_md = sha256
policy = any
copy_extensions = none
unique_subject = no
[any]
organizationName = optional
commonName = supplied
CNF
key "$tests/expired.key"
openssl req -new -key "$tests/expired.key" -out "$work/expired.csr" -subj "/O=losant-rest tests/CN=localhost"
openssl ca -batch -config "$work/ca.cnf" -cert "$src/ca.pem" -keyfile "$tests/ca.key" \
  -startdate 20000101000000Z -enddate 20010101000000Z \
  -extfile "$work/ext.cnf" -extensions server -notext \
  -in "$work/expired.csr" -out "$work/expired.pem" 2>/dev/null
cat "$work/expired.pem" "$src/ca.pem" >"$tests/expired.pem"

# The request for the expired certificate, labelled as a certificate.
sed 's/CERTIFICATE REQUEST/CERTIFICATE/' "$work/expired.csr" >"$tests/csr-as-certificate.pem"

rm -f "$src"/*.srl "$tests"/*.srl
echo "test PKI written to $src and $tests"
