#!/bin/sh
# Stand-in for the official odoo/docker entrypoint.sh (simplified): adds --db_* options for keys the
# config file does not set, then `exec odoo "$@"` so that Odoo is PID 1.
set -e
conf=${ODOO_RC:-/etc/odoo/odoo.conf}
db_args=""
for pair in "db_host:${HOST:-db}" "db_port:${PORT:-5432}" "db_user:${USER:-odoo}" "db_password:${PASSWORD:-odoo}"; do
    key=${pair%%:*}; value=${pair#*:}
    grep -qE "^\s*$key\s*[=:]" "$conf" 2>/dev/null || db_args="$db_args --$key $value"
done
case "${1:-}" in
    -- | odoo)
        shift
        exec odoo "$@" $db_args
        ;;
    -*)
        exec odoo "$@" $db_args
        ;;
    *)
        exec "$@"
esac
