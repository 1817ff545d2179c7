#!/bin/sh
# Put a `simulacra` command where a new shell finds it, without activating the virtual
# environment: a symbolic link to TARGET (the environment's bin/simulacra) in the first FOLDER
# that is on PATH and writable (made if it is on PATH but missing). Never uses sudo and never
# replaces a program that is not such a link. Says where it linked, or why nowhere.
#
# usage: sh scripts/link_launcher.sh TARGET FOLDER...
set -u
target=$1
shift
case $target in
/*) ;;
*) target=$(pwd)/$target ;;
esac
if [ ! -x "$target" ]; then
	echo "simulacra: $target is missing; run make setup first" >&2
	exit 1
fi
for dir in "$@"; do
	dir=${dir%/}
	case ":$PATH:" in
	*":$dir:"* | *":$dir/:"*) ;;
	*) continue ;;
	esac
	mkdir -p "$dir" 2>/dev/null || continue
	[ -w "$dir" ] || continue
	link=$dir/simulacra
	if [ -L "$link" ]; then
		current=$(readlink "$link")
		if [ "$current" = "$target" ]; then
			echo "simulacra: $link already links to $target"
			exit 0
		fi
		case $current in
		*/bin/simulacra) ;; # another checkout's link: replaced below
		*)
			echo "simulacra: $link links to $current, not a simulacra; left alone"
			continue
			;;
		esac
	elif [ -e "$link" ]; then
		echo "simulacra: $link is another program; left alone"
		continue
	fi
	ln -sfn "$target" "$link" || continue
	echo "simulacra: linked $link -> $target, so \`simulacra\` works in any new shell"
	exit 0
done
echo "simulacra: none of $* is both on PATH and writable, so no \`simulacra\` command was"
echo "linked: activate the environment in each new shell (below), or put one of them on PATH"
echo "and run make setup again"
exit 0
