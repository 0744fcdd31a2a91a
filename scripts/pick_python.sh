#!/usr/bin/env bash
# Prints the interpreter .venv is made from. Debian's own /usr/bin/python3 when it is 3.11 or
# newer and can make a venv with pip; else the first python3 on PATH.
#
# Why not simply the first python3 on PATH: on these machines that is pyenv's, built without
# profile-guided optimisation and with a shared libpython (every call inside the interpreter
# goes through the PLT). Debian builds its interpreter with PGO and links libpython in. The
# same code runs about a quarter faster on it: a bulk run of certificates (WeasyPrint is pure
# Python) took 24 instead of 32 ms per certificate in the same minutes, and laying out a
# certificate page costs 141 instead of 158 million instructions.
set -euo pipefail
system=/usr/bin/python3
if [ -x "$system" ] && "$system" -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "$system"
else
  echo python3
fi
