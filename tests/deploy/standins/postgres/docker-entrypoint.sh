#!/bin/bash
# What the official image's entrypoint does with the variables our manifests set: a first
# start makes the cluster in PGDATA (POSTGRES_USER as superuser with POSTGRES_PASSWORD,
# POSTGRES_DB created), clients from other hosts sign in with scram-sha-256; every start
# then runs the server in the foreground.
set -Eeuo pipefail

if [ "${1:0:1}" = '-' ]; then
	set -- postgres "$@"
fi

if [ "$1" = postgres ]; then
	POSTGRES_USER="${POSTGRES_USER:-postgres}"
	POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
	mkdir -p "$PGDATA"
	chmod 700 "$PGDATA" || :
	if [ ! -s "$PGDATA/PG_VERSION" ]; then
		if [ -z "${POSTGRES_PASSWORD:-}" ]; then
			echo "error: the database is uninitialized and POSTGRES_PASSWORD is not set" >&2
			exit 1
		fi
		# A uid without a passwd entry (runAsUser) is one initdb cannot name: the official
		# image lends it one through nss_wrapper for the initialisation only.
		if ! getent passwd "$(id -u)" >/dev/null; then
			NSS_WRAPPER_PASSWD="$(mktemp)"
			NSS_WRAPPER_GROUP="$(mktemp)"
			echo "postgres:x:$(id -u):$(id -g):PostgreSQL:$PGDATA:/bin/false" >"$NSS_WRAPPER_PASSWD"
			echo "postgres:x:$(id -g):" >"$NSS_WRAPPER_GROUP"
			export NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP
			export LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libnss_wrapper.so
		fi
		initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
			--auth-local=trust --auth-host=trust -D "$PGDATA"
		printf '\nhost all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
		printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
		pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start
		if [ "$POSTGRES_DB" != postgres ]; then
			psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
				-c "CREATE DATABASE \"$POSTGRES_DB\""
		fi
		pg_ctl -D "$PGDATA" -m fast -w stop
		unset LD_PRELOAD NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP
		echo "PostgreSQL init process complete; ready for start up."
	fi
fi

exec "$@"
