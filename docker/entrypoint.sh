#!/bin/sh
# One image, several roles: web (migrate, then gunicorn), worker, beat, or manage <command>.
set -eu
cd "$(dirname "$0")/.."

role="${1:-web}"
[ "$#" -gt 0 ] && shift

case "$role" in
    web)
        if [ "${AMIABLE_MIGRATE_ON_START:-1}" = "1" ]; then
            # Public schema, the base schema new tenants are cloned from, then every tenant.
            python manage.py migrate_all --verbosity 1
        fi
        # The image ships compiled catalogues; this only recompiles one that is newer than its .mo.
        if find locale apps -name '*.po' 2>/dev/null | grep -q .; then
            python manage.py compilemessages --verbosity 0 --ignore staticfiles --ignore var --ignore media
        fi
        exec gunicorn config.wsgi \
            --bind "0.0.0.0:${PORT:-8000}" \
            --workers "${GUNICORN_WORKERS:-3}" \
            --timeout "${GUNICORN_TIMEOUT:-60}" \
            --access-logfile - --error-logfile - --no-control-socket \
            "$@"
        ;;
    worker)
        exec celery -A config worker --loglevel "${CELERY_LOG_LEVEL:-INFO}" --concurrency "${CELERY_CONCURRENCY:-2}" "$@"
        ;;
    beat)
        exec celery -A config beat --loglevel "${CELERY_LOG_LEVEL:-INFO}" --schedule var/celerybeat-schedule "$@"
        ;;
    manage)
        exec python manage.py "$@"
        ;;
    *)
        exec "$role" "$@"
        ;;
esac
