#!/usr/bin/env bash
# Fails when a directive defined in the sources is missing from
# docs/directives.md, or an AGW log id used in the sources is missing from
# docs/log-ids.md.
set -euo pipefail
cd "$(dirname "$0")/.."
rc=0
# Directive tables: AP_INIT_*("AuthGWName", ...) or the SRV(Name, ...),
# DIR(Name, ...) and MAIN(Name, ...) shorthands that prefix AuthGW.
directives=$( (grep -rhoE 'AP_INIT_[A-Z0-9_]+\("AuthGW[A-Za-z]+"' common mod_authgw_* \
                 | grep -oE 'AuthGW[A-Za-z]+';
               grep -rhoE '^ *(SRV|DIR|MAIN)\([A-Za-z]+,' common mod_authgw_* \
                 | sed -E 's/^ *(SRV|DIR|MAIN)\(([A-Za-z]+),/AuthGW\2/') | sort -u)
for d in $directives; do
  grep -q "### $d\$" docs/directives.md || { echo "undocumented directive: $d"; rc=1; }
done
for id in $(grep -rhoE 'AGWNO\([0-9]+\)' common mod_authgw_* | grep -oE '[0-9]+' | sort -u); do
  grep -q "AGW$id " docs/log-ids.md || { echo "undocumented log id: AGW$id"; rc=1; }
done
dups=$(grep -rhoE 'AGWNO\([0-9]+\)' common mod_authgw_* | sort | uniq -d)
[ -z "$dups" ] || { echo "log ids used twice: $dups"; rc=1; }
[ $rc = 0 ] && echo "docs: every directive and log id is documented"
exit $rc
