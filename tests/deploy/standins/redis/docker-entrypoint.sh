#!/bin/sh
# What the official image's entrypoint does with a command line such as the manifest's
# args: options alone are given to redis-server; the official binary is built with
# protected mode off (other pods reach it without a password), Debian's is not, so the
# stand-in says so on the command line.
set -eu

case "${1:-}" in
	-* | *.conf) set -- redis-server "$@" ;;
esac

if [ "${1:-}" = redis-server ]; then
	shift
	set -- redis-server --protected-mode no "$@"
	umask 0077
fi

exec "$@"
